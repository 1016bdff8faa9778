package org.f3edge.demo

import org.pytorch.executorch.EValue
import org.pytorch.executorch.Module
import org.pytorch.executorch.Tensor

/**
 * The f3edge streaming contract on device: forward(chunk, *states) -> (latent, *new_states).
 * States start at zeros and are threaded through every call; the first `lookaheadFrames` latents are
 * warm-up and are dropped, exactly as f3edge.runtimes does in Python.
 */
class StreamingEncoder(modelPath: String, private val manifest: StreamManifest) {
    private val module: Module = Module.load(modelPath)
    private var states: Array<Tensor> = manifest.encoderInputs.drop(1)
        .map { Tensor.fromBlob(FloatArray(it.numel), it.shape) }.toTypedArray()
    private val pending = FloatArray(manifest.chunkSamples)
    private var filled = 0
    private var warmup = manifest.lookaheadFrames
    private val chunkShape = manifest.encoderInputs[0].shape

    /** Feed 16 kHz mono samples in [-1, 1]; returns the latent frames (each latentDim floats) completed. */
    fun push(samples: FloatArray, onStepNanos: (Long) -> Unit = {}): List<FloatArray> {
        val out = ArrayList<FloatArray>()
        var i = 0
        while (i < samples.size) {
            val n = minOf(samples.size - i, pending.size - filled)
            System.arraycopy(samples, i, pending, filled, n)
            filled += n
            i += n
            if (filled == pending.size) {
                val t0 = System.nanoTime()
                val latent = step(pending)
                onStepNanos(System.nanoTime() - t0)
                filled = 0
                if (warmup > 0) warmup-- else out.add(latent)
            }
        }
        return out
    }

    private fun step(chunk: FloatArray): FloatArray {
        val inputs = ArrayList<EValue>(states.size + 1)
        inputs.add(EValue.from(Tensor.fromBlob(chunk.copyOf(), chunkShape)))
        states.forEach { inputs.add(EValue.from(it)) }
        val outputs = module.forward(*inputs.toTypedArray())
        states = Array(states.size) { k ->
            val t = outputs[k + 1].toTensor()
            Tensor.fromBlob(t.dataAsFloatArray, t.shape())
        }
        return outputs[0].toTensor().dataAsFloatArray
    }
}
