package org.tensorflow.lite

import java.io.File

class Interpreter(modelFile: File, options: Options) : AutoCloseable {
    class Options {
        fun setNumThreads(numThreads: Int): Options = this
    }
    val signatureKeys: Array<String> get() = throw UnsupportedOperationException("stand-in")
    fun getSignatureInputs(signatureKey: String): Array<String> = throw UnsupportedOperationException("stand-in")
    fun getSignatureOutputs(signatureKey: String): Array<String> = throw UnsupportedOperationException("stand-in")
    fun runSignature(inputs: Map<String, Any>, outputs: Map<String, Any>, signatureKey: String) {}
    override fun close() {}
}
