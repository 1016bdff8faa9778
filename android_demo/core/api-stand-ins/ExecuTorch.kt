package org.pytorch.executorch

class Tensor private constructor(private val data: FloatArray, private val shape: LongArray) {
    val dataAsFloatArray: FloatArray get() = data
    fun shape(): LongArray = shape
    companion object {
        @JvmStatic fun fromBlob(data: FloatArray, shape: LongArray): Tensor = Tensor(data, shape)
    }
}

class EValue private constructor(private val tensor: Tensor) {
    fun toTensor(): Tensor = tensor
    companion object {
        @JvmStatic fun from(tensor: Tensor): EValue = EValue(tensor)
    }
}

class Module private constructor() {
    fun forward(vararg inputs: EValue): Array<EValue> = throw UnsupportedOperationException("stand-in")
    fun destroy() {}
    companion object {
        const val LOAD_MODE_FILE = 0
        const val LOAD_MODE_MMAP = 1
        @JvmStatic fun load(modelPath: String, loadMode: Int, numThreads: Int): Module = throw UnsupportedOperationException("stand-in")
    }
}
