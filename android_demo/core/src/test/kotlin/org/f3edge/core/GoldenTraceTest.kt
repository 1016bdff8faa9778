package org.f3edge.core

import org.junit.Assert.assertArrayEquals
import org.junit.Assert.assertEquals
import org.junit.Assert.assertTrue
import org.junit.Assert.fail
import org.junit.Test
import org.json.JSONObject
import java.io.File
import java.nio.ByteBuffer
import java.nio.ByteOrder

/** A golden trace written by `python -m f3edge.runtimes.golden_trace` from a real export of the default student. */
class GoldenTrace(val dir: File) {
    val manifest = StreamManifest.parse(File(dir, "manifest.json").readText())
    val index = JSONObject(File(dir, "trace.json").readText())

    fun floats(name: String): FloatArray {
        val bytes = File(dir, name).readBytes()
        val fb = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer()
        return FloatArray(fb.remaining()).also { fb.get(it) }
    }

    fun ints(key: String): List<Int> = index.getJSONArray(key).let { a -> (0 until a.length()).map { a.getInt(it) } }

    /** Each recorded call as (inputs, outputs), cut by the manifest's shapes. */
    fun calls(part: PartSpec, file: String, count: Int): List<Pair<List<FloatArray>, List<FloatArray>>> {
        val flat = floats(file)
        var pos = 0
        fun take(n: Int) = flat.copyOfRange(pos, pos + n).also { pos += n }
        val calls = (0 until count).map { part.inputs.map { take(it.numel) } to part.outputs.map { take(it.numel) } }
        assertEquals("$file holds exactly the recorded calls", flat.size, pos)
        return calls
    }

    companion object {
        val root = File(System.getProperty("f3edge.golden") ?: "../../tests/golden")
        fun all(): List<GoldenTrace> = (root.listFiles() ?: emptyArray()).filter { File(it, "trace.json").isFile }
            .sortedBy { it.name }.map { GoldenTrace(it) }
    }
}

/** Answers each call with the recorded outputs after checking that the session sent exactly the recorded inputs. */
class ReplayRunner(private val label: String, private val calls: List<Pair<List<FloatArray>, List<FloatArray>>>) : StepRunner {
    var used = 0
        private set

    override fun run(inputs: List<FloatArray>): List<FloatArray> {
        if (used >= calls.size) fail("$label: call ${used + 1} but the trace recorded ${calls.size}")
        val (want, outputs) = calls[used]
        assertEquals("$label call $used: number of inputs", want.size, inputs.size)
        for (k in want.indices) assertArrayEquals("$label call $used input $k", want[k], inputs[k], 0f)
        used++
        return outputs.map { it.copyOf() }
    }
}

class GoldenTraceTest {
    private val traces = GoldenTrace.all()

    @Test fun tracesArePresent() {
        assertTrue("no golden traces under ${GoldenTrace.root.absolutePath}", traces.size >= 2)
    }

    @Test fun encoderSessionFeedsTheRecordedInputsAndReturnsTheRecordedLatents() {
        for (t in traces) {
            val runner = ReplayRunner("${t.dir.name} encoder", t.calls(t.manifest.encoder, "encoder_steps.f32", t.index.getInt("encoder_calls")))
            val audio = t.floats("audio.f32")
            val session = EncoderSession(runner, t.manifest)
            val frames = ArrayList<FloatArray>()
            var pos = 0
            for (n in t.ints("audio_pushes")) {
                frames += session.push(audio.copyOfRange(pos, pos + n)); pos += n
            }
            frames += session.flush()
            assertEquals("${t.dir.name}: every recorded encoder call made", t.index.getInt("encoder_calls"), runner.used)
            assertArrayEquals("${t.dir.name}: latents", t.floats("latents.f32"), concat(frames), 0f)
        }
    }

    @Test fun decoderSessionReturnsTheRecordedAudioWithDelayAndTail() {
        for (t in traces) {
            val runner = ReplayRunner("${t.dir.name} decoder", t.calls(t.manifest.decoder, "decoder_steps.f32", t.index.getInt("decoder_calls")))
            val z = t.floats("latents.f32")
            val dim = t.manifest.latentDim
            val session = DecoderSession(runner, t.manifest)
            val audio = ArrayList<FloatArray>()
            var frame = 0
            for (n in t.ints("latent_pushes")) {
                audio += session.push((frame until frame + n).map { z.copyOfRange(it * dim, (it + 1) * dim) }); frame += n
            }
            audio += session.flush()
            assertEquals("${t.dir.name}: every recorded decoder call made", t.index.getInt("decoder_calls"), runner.used)
            assertArrayEquals("${t.dir.name}: decoded audio", t.floats("decoded.f32"), concat(audio), 0f)
        }
    }

    @Test fun anyPushSplitGivesTheSameLatents() {
        // chunking is the session's job: one push of everything must feed the runner the same calls
        for (t in traces) {
            val runner = ReplayRunner("${t.dir.name} encoder", t.calls(t.manifest.encoder, "encoder_steps.f32", t.index.getInt("encoder_calls")))
            val session = EncoderSession(runner, t.manifest)
            val frames = session.push(t.floats("audio.f32")) + session.flush()
            assertArrayEquals(t.floats("latents.f32"), concat(frames), 0f)
        }
    }

    @Test fun pushAfterFlushIsRefused() {
        val t = traces.first()
        val session = EncoderSession({ inputs -> t.manifest.encoder.outputs.map { FloatArray(it.numel) } }, t.manifest)
        session.flush()
        try { session.push(FloatArray(10)); fail("push after flush must fail") } catch (e: IllegalStateException) { }
    }

    @Test fun aRunnerGivingTheWrongOutputsIsAnError() {
        val t = traces.first()
        val short = EncoderSession({ _ -> listOf(FloatArray(t.manifest.latentDim)) }, t.manifest)
        try { short.push(FloatArray(t.manifest.chunkSamples)); fail("a runner with too few outputs must fail") } catch (e: IllegalStateException) { }
    }
}
