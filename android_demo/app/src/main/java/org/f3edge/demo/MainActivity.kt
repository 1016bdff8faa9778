package org.f3edge.demo

import android.Manifest
import android.app.Activity
import android.content.pm.PackageManager
import android.media.AudioAttributes
import android.media.AudioFormat
import android.media.AudioRecord
import android.media.AudioTrack
import android.media.MediaRecorder
import android.os.Bundle
import android.widget.Button
import android.widget.LinearLayout
import android.widget.TextView
import org.f3edge.core.DecoderSession
import org.f3edge.core.EncoderSession
import org.f3edge.core.StepStats
import org.f3edge.core.StreamManifest
import org.f3edge.core.WavWriter
import java.io.File

/**
 * Microphone -> streaming encode -> latents -> streaming decode -> speaker and a WAV, on the device.
 * Shows frames, step latency p50/p99 of each part and the real-time factor. Everything about the model
 * (rates, chunk, lookahead, states, synthesis delay) comes from the bundled export's manifest.json.
 */
class MainActivity : Activity() {
    private lateinit var status: TextView
    private lateinit var button: Button
    @Volatile private var running = false
    private var worker: Thread? = null   // at most one capture thread; touched on the UI thread only

    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        status = TextView(this).apply { textSize = 14f; text = "f3edge: press Start" }
        button = Button(this).apply { text = "Start" }
        button.setOnClickListener { if (running) stop() else start() }
        setContentView(LinearLayout(this).apply { orientation = LinearLayout.VERTICAL; addView(button); addView(status) })
    }

    private fun start() {
        if (worker?.isAlive == true) return   // the previous stream is still flushing
        if (checkSelfPermission(Manifest.permission.RECORD_AUDIO) != PackageManager.PERMISSION_GRANTED) {
            requestPermissions(arrayOf(Manifest.permission.RECORD_AUDIO), 1)
            return
        }
        running = true
        button.text = "Stop"
        worker = Thread({ runStream() }, "f3edge-stream").apply { start() }
    }

    private fun stop() {
        running = false
        button.isEnabled = false   // re-enabled when the stream has flushed and closed
    }

    override fun onRequestPermissionsResult(requestCode: Int, permissions: Array<out String>, grantResults: IntArray) {
        if (grantResults.firstOrNull() == PackageManager.PERMISSION_GRANTED) start()
        else status.text = "f3edge needs the microphone to encode your voice"
    }

    override fun onStop() {
        super.onStop()
        running = false
    }

    private fun show(text: String) = runOnUiThread { status.text = text }

    private fun runStream() {
        try {
            stream()
        } catch (e: Exception) {   // a bad bundled export, a runtime or audio device failure: say so, keep the app alive
            show("error: ${e.message ?: e.javaClass.simpleName}")
        } finally {
            running = false
            runOnUiThread { button.text = "Start"; button.isEnabled = true }
        }
    }

    private fun stream() {
        val files = ModelFiles(this)
        val m = files.manifest
        val encoderRunner = openRunner(m.runtime, files.path(m.encoder), m.encoder)
        val decoderRunner = openRunner(m.runtime, files.path(m.decoder), m.decoder)
        val encStats = StepStats()
        val decStats = StepStats()
        val encoder = EncoderSession(encoderRunner, m).apply { onStepNanos = encStats::add }
        val decoder = DecoderSession(decoderRunner, m).apply { onStepNanos = decStats::add }
        val stepSeconds = m.chunkSamples.toDouble() / m.sampleRate
        val recorder = openRecorder(m)
        val player = openPlayer(m)
        val wav = WavWriter(File(getExternalFilesDir(null) ?: filesDir, "f3edge-decoded.wav"), m.sampleRate)
        val chunk = FloatArray(m.chunkSamples)
        var frames = 0
        try {
            recorder.startRecording()
            player.play()
            while (running) {
                val n = recorder.read(chunk, 0, chunk.size, AudioRecord.READ_BLOCKING)
                if (n < 0) throw IllegalStateException("microphone read failed ($n)")
                if (n == 0) continue
                val latents = encoder.push(chunk.copyOf(n))
                frames += latents.size
                output(decoder.push(latents), player, wav)
                if (latents.isNotEmpty()) show(report(m, frames, encStats, decStats, stepSeconds, latents.last()))
            }
            // end of stream: the last partial chunk, the lookahead frames and the decoder's overlap-add tail
            val tail = encoder.flush()
            frames += tail.size
            output(decoder.push(tail), player, wav)
            output(decoder.flush(), player, wav)
            wav.close()
            show(report(m, frames, encStats, decStats, stepSeconds, null) + "\nsaved f3edge-decoded.wav")
        } finally {
            recorder.stop(); recorder.release()
            player.stop(); player.release()
            (encoderRunner as? AutoCloseable)?.close()
            (decoderRunner as? AutoCloseable)?.close()
        }
    }

    private fun output(audio: FloatArray, player: AudioTrack, wav: WavWriter) {
        if (audio.isEmpty()) return
        player.write(audio, 0, audio.size, AudioTrack.WRITE_BLOCKING)
        wav.write(audio)
    }

    private fun openRecorder(m: StreamManifest): AudioRecord {
        val minBuf = AudioRecord.getMinBufferSize(m.sampleRate, AudioFormat.CHANNEL_IN_MONO, AudioFormat.ENCODING_PCM_FLOAT)
        if (minBuf <= 0) throw IllegalStateException("this device cannot record ${m.sampleRate} Hz mono float audio")
        val rec = AudioRecord(MediaRecorder.AudioSource.VOICE_RECOGNITION, m.sampleRate, AudioFormat.CHANNEL_IN_MONO,
            AudioFormat.ENCODING_PCM_FLOAT, maxOf(minBuf, 16 * m.chunkSamples))
        if (rec.state != AudioRecord.STATE_INITIALIZED) { rec.release(); throw IllegalStateException("the microphone is not available") }
        return rec
    }

    private fun openPlayer(m: StreamManifest): AudioTrack {
        val format = AudioFormat.Builder().setSampleRate(m.sampleRate).setChannelMask(AudioFormat.CHANNEL_OUT_MONO)
            .setEncoding(AudioFormat.ENCODING_PCM_FLOAT).build()
        val minBuf = AudioTrack.getMinBufferSize(m.sampleRate, AudioFormat.CHANNEL_OUT_MONO, AudioFormat.ENCODING_PCM_FLOAT)
        return AudioTrack.Builder()
            .setAudioAttributes(AudioAttributes.Builder().setUsage(AudioAttributes.USAGE_MEDIA).build())
            .setAudioFormat(format).setBufferSizeInBytes(maxOf(minBuf, 16 * 4 * m.chunkSamples))
            .setTransferMode(AudioTrack.MODE_STREAM).build()
    }

    private fun report(m: StreamManifest, frames: Int, enc: StepStats, dec: StepStats, stepSeconds: Double, last: FloatArray?): String =
        "model ${m.modelId} (${m.runtime} ${m.precision}, ${m.latentSpace})\n" +
            "frames $frames (${m.latentDim}-d, ${m.sampleRate / m.chunkSamples} Hz)\n" +
            "encode step p50 %.2f ms  p99 %.2f ms\n".format(enc.percentileMs(0.5), enc.percentileMs(0.99)) +
            "decode step p50 %.2f ms  p99 %.2f ms  per %.0f ms of audio\n".format(dec.percentileMs(0.5), dec.percentileMs(0.99), 1000 * stepSeconds) +
            "RTF encode+decode %.3f\n".format(enc.realTimeFactor(stepSeconds) + dec.realTimeFactor(stepSeconds)) +
            (last?.let { "latent[0..7] " + it.take(8).joinToString(" ") { v -> "%+.2f".format(v) } } ?: "")
}
