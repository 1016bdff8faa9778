package org.f3edge.core

import org.json.JSONArray
import org.json.JSONObject

/** A manifest that cannot be used: the message names the field, as f3edge's Python runtimes do. */
class ManifestException(message: String) : Exception(message)

/** One tensor of a step graph: its name and static shape, read from the manifest. */
class TensorSpec(val name: String, val shape: IntArray) {
    val numel: Int get() = shape.fold(1) { a, b -> a * b }
    val longShape: LongArray get() = LongArray(shape.size) { shape[it].toLong() }
}

/** One step graph (encoder or decoder): inputs = (x, *states), outputs = (y, *new_states). */
class PartSpec(val file: String, val inputs: List<TensorSpec>, val outputs: List<TensorSpec>, val sha256: String?) {
    val states: List<TensorSpec> get() = inputs.drop(1)
}

/**
 * The deploy contract of an f3edge export (`manifest.json`, format_version 1), mirrored from
 * `f3edge.runtimes.manifest`: every value the streaming loops use is read here and bounded; nothing
 * about the model is hard-coded in the app.
 */
class StreamManifest(
    val modelId: String,
    val runtime: String,
    val precision: String,
    val latentSpace: String,
    val sampleRate: Int,
    val chunkSamples: Int,
    val lookaheadFrames: Int,
    val latentDim: Int,
    val synthesisDelaySamples: Int,
    val encoder: PartSpec,
    val decoder: PartSpec,
) {
    companion object {
        // The rules of f3edge.runtimes.manifest (BOUNDS, STRINGS), mirrored; tests/golden/manifest_cases.json
        // holds that module's verdicts and ManifestCasesTest checks this parser reaches the same ones.
        const val FORMAT_VERSION = 1
        const val MAX_TENSOR_ELEMENTS = 1 shl 24
        const val MIN_SAMPLE_RATE = 8000
        const val MAX_SAMPLE_RATE = 192000
        const val MAX_CHUNK = 96000
        const val MAX_LOOKAHEAD = 8
        val REQUIRED_STRINGS = listOf("model_id", "checkpoint_sha256", "target", "runtime", "precision")

        fun parse(json: String): StreamManifest {
            val m = try { JSONObject(json) } catch (e: Exception) { throw ManifestException("manifest.json is not a JSON object") }
            val version = int(m, "format_version", 1, 1000)
            if (version != FORMAT_VERSION) throw ManifestException("unsupported manifest format_version $version")
            val sampleRate = int(m, "sample_rate", MIN_SAMPLE_RATE, MAX_SAMPLE_RATE)
            val hop = int(m, "hop", 1, MAX_CHUNK)
            val chunk = int(m, "chunk_samples", 1, MAX_CHUNK)
            if (chunk != hop) throw ManifestException("chunk_samples must equal hop (one step = one latent frame)")
            val dim = int(m, "latent_dim", 1, 4096)
            val lookahead = int(m, "lookahead_frames", 0, MAX_LOOKAHEAD)
            val delay = int(m, "synthesis_delay_samples", 0, MAX_CHUNK)
            if (delay >= 16 * hop) throw ManifestException("synthesis_delay_samples $delay is implausible for hop $hop")
            for (key in REQUIRED_STRINGS) string(m, key)
            val manifest = StreamManifest(
                modelId = string(m, "model_id"),
                runtime = string(m, "runtime"),
                precision = string(m, "precision"),
                latentSpace = if (m.has("latent_space")) string(m, "latent_space") else "f3-v1",
                sampleRate = sampleRate,
                chunkSamples = chunk,
                lookaheadFrames = lookahead,
                latentDim = dim,
                synthesisDelaySamples = delay,
                encoder = part(m, "encoder"),
                decoder = part(m, "decoder"),
            )
            manifest.checkShapes()
            return manifest
        }

        private fun int(o: JSONObject, key: String, min: Int, max: Int): Int {
            val v = o.opt(key) ?: throw ManifestException("manifest has no $key")
            if (v !is Int) throw ManifestException("manifest $key must be an integer, not $v")
            if (v < min || v > max) throw ManifestException("manifest $key=$v is outside [$min, $max]")
            return v
        }

        private fun string(o: JSONObject, key: String): String {
            val v = o.opt(key) ?: throw ManifestException("manifest has no $key")
            if (v !is String || v.isEmpty()) throw ManifestException("manifest $key must be a non-empty string")
            return v
        }

        /** Model files are plain names inside the artifact folder: never a path that leaves it. */
        fun plainFileName(name: String): String {
            if (name.isEmpty() || name == "." || name == ".." || name.startsWith(".") || '/' in name || '\\' in name || '\u0000' in name)
                throw ManifestException("file '$name' must be a plain file name inside the artifact folder")
            return name
        }

        private fun tensors(o: JSONObject, part: String, key: String): List<TensorSpec> {
            val arr = o.optJSONArray(key) ?: throw ManifestException("$part has no $key list")
            if (arr.length() < 1) throw ManifestException("$part.$key is empty")
            return (0 until arr.length()).map { i ->
                val t = arr.optJSONObject(i) ?: throw ManifestException("$part.$key[$i] is not an object")
                val name = t.opt("name") as? String ?: throw ManifestException("$part.$key[$i] has no name")
                val s: JSONArray = t.optJSONArray("shape") ?: throw ManifestException("$part tensor $name has no shape")
                val shape = IntArray(s.length()) { k ->
                    val v = s.opt(k)
                    if (v !is Int || v < 1 || v > MAX_TENSOR_ELEMENTS) throw ManifestException("$part tensor $name has a bad shape $s")
                    v
                }
                if (shape.isEmpty() || shape.fold(1L) { a, b -> a * b } > MAX_TENSOR_ELEMENTS)
                    throw ManifestException("$part tensor $name has a bad shape $s")
                TensorSpec(name, shape)
            }
        }

        private fun part(m: JSONObject, name: String): PartSpec {
            val o = m.optJSONObject(name) ?: throw ManifestException("manifest has no $name")
            return PartSpec(plainFileName(string(o, "file")), tensors(o, name, "inputs"), tensors(o, name, "outputs"),
                o.opt("sha256") as? String)
        }
    }

    /** The streaming rules need: x = [1,1,chunk] -> latent [1,D,1]; latent [1,D,1] -> audio [1,1,chunk];
     *  every state comes back with its own shape. */
    private fun checkShapes() {
        expect(encoder.inputs[0], intArrayOf(1, 1, chunkSamples), "encoder input")
        expect(encoder.outputs[0], intArrayOf(1, latentDim, 1), "encoder output")
        expect(decoder.inputs[0], intArrayOf(1, latentDim, 1), "decoder input")
        expect(decoder.outputs[0], intArrayOf(1, 1, chunkSamples), "decoder output")
        for ((label, p) in listOf("encoder" to encoder, "decoder" to decoder)) {
            if (p.inputs.size != p.outputs.size) throw ManifestException("$label has ${p.inputs.size} inputs but ${p.outputs.size} outputs")
            for (k in 1 until p.inputs.size)
                if (!p.inputs[k].shape.contentEquals(p.outputs[k].shape))
                    throw ManifestException("$label state ${p.inputs[k].name} goes in as ${p.inputs[k].shape.toList()} but comes out as ${p.outputs[k].shape.toList()}")
        }
        val tail = decoder.states.lastOrNull()
        if (tail == null || tail.numel != synthesisDelaySamples)
            throw ManifestException("decoder's last state holds ${tail?.numel} samples, synthesis_delay_samples is $synthesisDelaySamples")
    }

    private fun expect(t: TensorSpec, shape: IntArray, what: String) {
        if (!t.shape.contentEquals(shape)) throw ManifestException("$what ${t.name} is ${t.shape.toList()}, the contract needs ${shape.toList()}")
    }
}
