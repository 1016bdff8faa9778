package org.f3edge.demo

import android.content.Context
import org.f3edge.core.ManifestException
import org.f3edge.core.PartSpec
import org.f3edge.core.StreamManifest
import java.io.File
import java.security.MessageDigest

/**
 * The export bundled in assets/ (manifest.json + the model files it names), installed to files/ where the
 * runtimes can open them by path. Each file is installed under its manifest sha256, copied to a temp file,
 * verified and renamed: an app update with a new model installs the new file, an interrupted copy never
 * leaves a truncated model under a final name, and a file that does not match its manifest is refused.
 */
class ModelFiles(private val context: Context) {
    val manifest: StreamManifest = StreamManifest.parse(context.assets.open("manifest.json").bufferedReader().readText())

    fun path(part: PartSpec): File {
        val sha = part.sha256 ?: throw ManifestException("manifest has no sha256 for ${part.file}: re-export with this f3edge")
        val dir = File(context.filesDir, "models").apply { mkdirs() }
        val target = File(dir, "$sha-${StreamManifest.plainFileName(part.file)}")
        if (target.isFile) return target
        val temp = File(dir, ".${target.name}.part")
        val digest = MessageDigest.getInstance("SHA-256")
        context.assets.open(part.file).use { input ->
            temp.outputStream().use { out ->
                val buf = ByteArray(1 shl 16)
                while (true) {
                    val n = input.read(buf)
                    if (n < 0) break
                    digest.update(buf, 0, n)
                    out.write(buf, 0, n)
                }
                out.fd.sync()
            }
        }
        val got = digest.digest().joinToString("") { "%02x".format(it) }
        if (got != sha) {
            temp.delete()
            throw ManifestException("${part.file}: sha256 $got does not match the manifest: corrupted or replaced model file")
        }
        if (!temp.renameTo(target)) throw ManifestException("cannot install ${part.file}")
        return target
    }
}
