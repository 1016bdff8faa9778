package org.f3edge.core

import org.junit.Assert.assertTrue
import org.junit.Test
import org.json.JSONArray
import java.io.File

/** Every case of tests/golden/manifest_cases.json: this parser must reach f3edge.runtimes.manifest's verdict. */
class ManifestCasesTest {
    @Test fun theKotlinParserAgreesWithThePythonRulesOnEveryCase() {
        val cases = JSONArray(File(GoldenTrace.root, "manifest_cases.json").readText())
        assertTrue(cases.length() >= 30)
        val disagreements = ArrayList<String>()
        for (i in 0 until cases.length()) {
            val c = cases.getJSONObject(i)
            val accepted = try { StreamManifest.parse(c.getString("manifest_json")); true }
                           catch (e: ManifestException) { false }
            if (accepted != c.getBoolean("valid")) disagreements += "${c.getString("name")}: Python says ${c.getBoolean("valid")}"
        }
        assertTrue(disagreements.joinToString("; "), disagreements.isEmpty())
    }
}
