package org.f3edge.demo

import org.json.JSONObject

/** The parts of an f3edge export's manifest.json the app needs; nothing about the model is hard-coded. */
data class TensorSpec(val name: String, val shape: LongArray) {
    val numel: Int get() = shape.fold(1L) { a, b -> a * b }.toInt()
}

data class StreamManifest(
    val modelId: String,
    val sampleRate: Int,
    val chunkSamples: Int,
    val lookaheadFrames: Int,
    val latentDim: Int,
    val encoderFile: String,
    val encoderInputs: List<TensorSpec>,
) {
    companion object {
        fun parse(json: String): StreamManifest {
            val m = JSONObject(json)
            require(m.getInt("format_version") == 1) { "unsupported manifest format_version" }
            require(m.getString("runtime") == "executorch") { "this demo runs the ExecuTorch (XNNPACK) export" }
            val enc = m.getJSONObject("encoder")
            val inputs = enc.getJSONArray("inputs")
            val specs = (0 until inputs.length()).map { i ->
                val t = inputs.getJSONObject(i)
                val s = t.getJSONArray("shape")
                TensorSpec(t.getString("name"), LongArray(s.length()) { s.getLong(it) })
            }
            return StreamManifest(
                modelId = m.getString("model_id"),
                sampleRate = m.getInt("sample_rate"),
                chunkSamples = m.getInt("chunk_samples"),
                lookaheadFrames = m.getInt("lookahead_frames"),
                latentDim = m.getInt("latent_dim"),
                encoderFile = enc.getString("file"),
                encoderInputs = specs,
            )
        }
    }
}
