package org.f3edge.core

import org.junit.Assert.assertEquals
import org.junit.Assert.assertTrue
import org.junit.Assert.fail
import org.junit.Test
import org.json.JSONObject
import java.io.File

class ManifestTest {
    private val text = File(GoldenTrace.all().first().dir, "manifest.json").readText()

    private fun refused(edit: (JSONObject) -> Unit, expect: String) {
        val m = JSONObject(text)
        edit(m)
        try {
            StreamManifest.parse(m.toString()); fail("accepted a manifest that should fail with '$expect'")
        } catch (e: ManifestException) {
            assertTrue("'${e.message}' should mention '$expect'", e.message!!.contains(expect))
        }
    }

    @Test fun theExportedManifestParses() {
        val m = StreamManifest.parse(text)
        assertEquals(640, m.chunkSamples)
        assertEquals(64, m.latentDim)
        assertEquals(m.decoder.states.last().numel, m.synthesisDelaySamples)
        assertEquals(m.encoder.inputs.size, m.encoder.outputs.size)
    }

    @Test fun missingWrongTypedAndOutOfRangeValuesAreRefused() {
        refused({ it.remove("chunk_samples") }, "chunk_samples")
        refused({ it.put("chunk_samples", "640") }, "chunk_samples")
        refused({ it.put("lookahead_frames", -1) }, "lookahead_frames")
        refused({ it.put("lookahead_frames", 10000000) }, "lookahead_frames")
        refused({ it.put("sample_rate", 1) }, "sample_rate")
        refused({ it.put("format_version", 2) }, "format_version")
        refused({ it.put("synthesis_delay_samples", 481) }, "synthesis_delay_samples")
    }

    @Test fun filesMustBePlainNamesInsideTheFolder() {
        for (bad in listOf("../encoder.pte", "/etc/passwd", "a/b.pte", ".hidden", ".."))
            refused({ it.getJSONObject("encoder").put("file", bad) }, "plain file name")
    }

    @Test fun shapesAreCheckedAgainstTheContract() {
        refused({ it.getJSONObject("encoder").getJSONArray("inputs").getJSONObject(0).put("shape", org.json.JSONArray(listOf(1, 1, 641))) }, "encoder input")
        refused({ it.getJSONObject("encoder").getJSONArray("outputs").getJSONObject(2).getJSONArray("shape").put(2, 7) }, "state")
        refused({ it.getJSONObject("decoder").getJSONArray("inputs").getJSONObject(1).put("shape", org.json.JSONArray(listOf(1, -1))) }, "bad shape")
        refused({ it.getJSONObject("decoder").getJSONArray("outputs").remove(1) }, "outputs")
    }
}
