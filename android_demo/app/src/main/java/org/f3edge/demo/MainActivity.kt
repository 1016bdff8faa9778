package org.f3edge.demo

import android.Manifest
import android.app.Activity
import android.content.pm.PackageManager
import android.media.AudioFormat
import android.media.AudioRecord
import android.media.MediaRecorder
import android.os.Bundle
import android.widget.Button
import android.widget.LinearLayout
import android.widget.TextView
import java.io.File
import kotlin.concurrent.thread

/** Microphone -> streaming encode on device, showing frames, per-chunk step time and the latest latent. */
class MainActivity : Activity() {
    private lateinit var status: TextView
    @Volatile private var running = false

    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        status = TextView(this).apply { textSize = 14f; text = "f3edge: press Start" }
        val button = Button(this).apply { text = "Start" }
        button.setOnClickListener {
            if (running) { running = false; button.text = "Start" }
            else if (checkSelfPermission(Manifest.permission.RECORD_AUDIO) != PackageManager.PERMISSION_GRANTED) {
                requestPermissions(arrayOf(Manifest.permission.RECORD_AUDIO), 1)
            } else { running = true; button.text = "Stop"; thread { capture() } }
        }
        setContentView(LinearLayout(this).apply {
            orientation = LinearLayout.VERTICAL; addView(button); addView(status)
        })
    }

    /** Assets are copied to files/ once: ExecuTorch loads programs from a file path. */
    private fun asset(name: String): File {
        val f = File(filesDir, name)
        if (!f.exists()) assets.open(name).use { i -> f.outputStream().use { o -> i.copyTo(o) } }
        return f
    }

    private fun capture() {
        val manifest = StreamManifest.parse(assets.open("manifest.json").bufferedReader().readText())
        val encoder = StreamingEncoder(asset(manifest.encoderFile).absolutePath, manifest)
        val minBuf = AudioRecord.getMinBufferSize(manifest.sampleRate, AudioFormat.CHANNEL_IN_MONO,
            AudioFormat.ENCODING_PCM_FLOAT)
        val rec = AudioRecord(MediaRecorder.AudioSource.VOICE_RECOGNITION, manifest.sampleRate,
            AudioFormat.CHANNEL_IN_MONO, AudioFormat.ENCODING_PCM_FLOAT, maxOf(minBuf, 4 * manifest.chunkSamples * 4))
        val buf = FloatArray(manifest.chunkSamples)
        var frames = 0
        val stepMs = ArrayList<Double>()
        rec.startRecording()
        try {
            while (running) {
                val n = rec.read(buf, 0, buf.size, AudioRecord.READ_BLOCKING)
                if (n <= 0) continue
                val latents = encoder.push(buf.copyOf(n)) { ns -> stepMs.add(ns / 1e6) }
                frames += latents.size
                val last = latents.lastOrNull() ?: continue
                val sorted = stepMs.takeLast(200).sorted()
                val p50 = sorted[sorted.size / 2]
                val p99 = sorted[(sorted.size * 99) / 100]
                runOnUiThread {
                    status.text = "model ${manifest.modelId}\nframes ${frames} (${manifest.latentDim}-d, " +
                        "${manifest.sampleRate / manifest.chunkSamples} Hz)\nstep p50 %.2f ms  p99 %.2f ms per %d ms chunk\n"
                            .format(p50, p99, 1000 * manifest.chunkSamples / manifest.sampleRate) +
                        "latent[0..7] " + last.take(8).joinToString(" ") { "%+.2f".format(it) }
                }
            }
        } finally {
            rec.stop(); rec.release()
        }
    }
}
