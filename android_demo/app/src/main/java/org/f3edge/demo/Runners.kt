package org.f3edge.demo

import org.f3edge.core.ManifestException
import org.f3edge.core.PartSpec
import org.f3edge.core.StepRunner
import org.f3edge.core.signatureOrder
import org.pytorch.executorch.EValue
import org.pytorch.executorch.Module
import org.pytorch.executorch.Tensor
import org.tensorflow.lite.Interpreter
import java.io.File
import java.nio.ByteBuffer
import java.nio.ByteOrder
import java.nio.FloatBuffer

/** One thread per step: a 40 ms step is too small to gain from more, and spinning threads cost battery. */
private const val STEP_THREADS = 1

/** ExecuTorch (XNNPACK delegate): forward(x, *states) -> (y, *new_states), tensors in manifest order. */
class ExecuTorchStepRunner(file: File, private val part: PartSpec) : StepRunner, AutoCloseable {
    private val module = Module.load(file.absolutePath, Module.LOAD_MODE_MMAP, STEP_THREADS)

    override fun run(inputs: List<FloatArray>): List<FloatArray> {
        val args = inputs.mapIndexed { k, x -> EValue.from(Tensor.fromBlob(x, part.inputs[k].longShape)) }
        return module.forward(*args.toTypedArray()).map { it.toTensor().dataAsFloatArray }
    }

    override fun close() = module.destroy()
}

/** LiteRT: the signature runner with tensors named args_N / output_N, ordered by N (signatureOrder). */
class LiteRTStepRunner(file: File, private val part: PartSpec) : StepRunner, AutoCloseable {
    private val interpreter = Interpreter(file, Interpreter.Options().setNumThreads(STEP_THREADS))
    private val key = interpreter.signatureKeys.singleOrNull()
        ?: throw ManifestException("${file.name}: expected one signature, found ${interpreter.signatureKeys.size}")
    private val inNames = signatureOrder(interpreter.getSignatureInputs(key).toList())
    private val outNames = signatureOrder(interpreter.getSignatureOutputs(key).toList())

    init {
        if (inNames.size != part.inputs.size || outNames.size != part.outputs.size)
            throw ManifestException("${file.name}: ${inNames.size} inputs/${outNames.size} outputs, the manifest lists " +
                "${part.inputs.size}/${part.outputs.size}")
    }

    override fun run(inputs: List<FloatArray>): List<FloatArray> {
        val feed = HashMap<String, Any>()
        inNames.forEachIndexed { k, name -> feed[name] = direct(inputs[k]) }
        val outs = HashMap<String, Any>()
        val buffers = outNames.mapIndexed { k, name ->
            ByteBuffer.allocateDirect(4 * part.outputs[k].numel).order(ByteOrder.nativeOrder()).also { outs[name] = it }
        }
        interpreter.runSignature(feed, outs, key)
        return buffers.map { b -> b.rewind(); FloatArray(b.remaining() / 4).also { b.asFloatBuffer().get(it) } }
    }

    private fun direct(x: FloatArray): ByteBuffer {
        val b = ByteBuffer.allocateDirect(4 * x.size).order(ByteOrder.nativeOrder())
        b.asFloatBuffer().put(FloatBuffer.wrap(x))
        return b
    }

    override fun close() = interpreter.close()
}

fun openRunner(runtime: String, file: File, part: PartSpec): StepRunner = when (runtime) {
    "executorch" -> ExecuTorchStepRunner(file, part)
    "litert" -> LiteRTStepRunner(file, part)
    else -> throw ManifestException("this app runs ExecuTorch (.pte) or LiteRT (.tflite) exports, not '$runtime'")
}
