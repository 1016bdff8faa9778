package org.f3edge.core

/**
 * The f3edge streaming contract, the same rules as `f3edge.runtimes.session` in Python:
 * - encoder: audio is cut into chunk_samples pieces; each call takes (chunk, *states) and gives
 *   (latent, *new_states); the first lookahead_frames latents are warm-up and dropped; `flush` zero-pads
 *   the last partial chunk and runs lookahead_frames more chunks of zeros so every frame comes out;
 * - decoder: each call takes (latent, *states) and gives (chunk of audio, *new_states); the first
 *   synthesis_delay_samples samples are dropped so audio lines up with the encoder's input; `flush`
 *   returns the overlap-add tail held in the last state.
 * States start at zeros and are threaded through every call. Not thread-safe: one session per stream.
 */
abstract class StepSession(private val runner: StepRunner, private val part: PartSpec, private val label: String) {
    protected var states: List<FloatArray> = part.states.map { FloatArray(it.numel) }
    var closed = false
        protected set

    protected fun step(x: FloatArray): FloatArray {
        val outputs = runner.run(listOf(x) + states)
        if (outputs.size != part.outputs.size)
            throw IllegalStateException("$label returned ${outputs.size} outputs, the manifest lists ${part.outputs.size}")
        for ((k, o) in outputs.withIndex())
            if (o.size != part.outputs[k].numel)
                throw IllegalStateException("$label output ${part.outputs[k].name} has ${o.size} values, the manifest says ${part.outputs[k].numel}")
        states = outputs.drop(1)
        return outputs[0]
    }

    protected fun checkOpen() {
        if (closed) throw IllegalStateException("stream already flushed")
    }
}

class EncoderSession(runner: StepRunner, private val manifest: StreamManifest) :
    StepSession(runner, manifest.encoder, "encoder") {
    private val chunk = manifest.chunkSamples
    private val pending = FloatArray(chunk)
    private var filled = 0
    private var toSkip = manifest.lookaheadFrames

    /** Timing of each runner call in nanoseconds, for on-screen p50/p99. */
    var onStepNanos: (Long) -> Unit = {}

    /** Samples in [-1, 1] at manifest.sampleRate -> the latent frames completed (each latentDim floats). */
    fun push(samples: FloatArray): List<FloatArray> {
        checkOpen()
        for (v in samples) if (!v.isFinite()) throw IllegalArgumentException("pushed audio contains NaN/inf samples")
        val out = ArrayList<FloatArray>()
        var i = 0
        while (i < samples.size) {
            val n = minOf(samples.size - i, chunk - filled)
            System.arraycopy(samples, i, pending, filled, n)
            filled += n
            i += n
            if (filled == chunk) {
                emit(pending.copyOf(), out)
                filled = 0
            }
        }
        return out
    }

    /** End of stream: the last partial chunk (zero-padded) and the lookahead frames still held back. */
    fun flush(): List<FloatArray> {
        checkOpen()
        closed = true   // a flush that fails still ends the stream, as in Python
        val out = ArrayList<FloatArray>()
        if (filled > 0) {
            pending.fill(0f, filled, chunk)
            emit(pending.copyOf(), out)
            filled = 0
        }
        repeat(manifest.lookaheadFrames) { emit(FloatArray(chunk), out) }
        return out
    }

    private fun emit(x: FloatArray, out: MutableList<FloatArray>) {
        val t0 = System.nanoTime()
        val latent = step(x)
        onStepNanos(System.nanoTime() - t0)
        if (toSkip > 0) toSkip-- else out.add(latent)
    }
}

class DecoderSession(runner: StepRunner, private val manifest: StreamManifest) :
    StepSession(runner, manifest.decoder, "decoder") {
    private var toSkip = manifest.synthesisDelaySamples

    var onStepNanos: (Long) -> Unit = {}

    /** Latent frames (each latentDim floats) -> audio aligned with the encoder's input. */
    fun push(latents: List<FloatArray>): FloatArray {
        checkOpen()
        val pieces = latents.map { z ->
            if (z.size != manifest.latentDim) throw IllegalArgumentException("a latent frame has ${z.size} values, not ${manifest.latentDim}")
            val t0 = System.nanoTime()
            val y = step(z)
            onStepNanos(System.nanoTime() - t0)
            y
        }
        return align(concat(pieces))
    }

    /** End of stream: the overlap-add tail (the decoder's last state holds synthesis_delay_samples). */
    fun flush(): FloatArray {
        checkOpen()
        closed = true
        return align(states.last().copyOf())
    }

    private fun align(y: FloatArray): FloatArray {
        val drop = minOf(toSkip, y.size)
        toSkip -= drop
        return y.copyOfRange(drop, y.size)
    }
}

internal fun concat(pieces: List<FloatArray>): FloatArray {
    val out = FloatArray(pieces.sumOf { it.size })
    var pos = 0
    for (p in pieces) { System.arraycopy(p, 0, out, pos, p.size); pos += p.size }
    return out
}
