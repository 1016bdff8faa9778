package org.f3edge.core

import java.io.File
import java.io.RandomAccessFile
import java.nio.ByteBuffer
import java.nio.ByteOrder

/**
 * 16-bit mono PCM WAV written as audio arrives; `close()` fills in the header sizes and renames the temp
 * file into place, so an interrupted recording never leaves a half-written WAV under the final name.
 */
class WavWriter(private val target: File, private val sampleRate: Int) : AutoCloseable {
    private val temp = File(target.parentFile, ".${target.name}.part")
    private val file = RandomAccessFile(temp, "rw").apply { setLength(0); write(ByteArray(HEADER_BYTES)) }
    private var samples = 0L

    fun write(audio: FloatArray) {
        val buf = ByteBuffer.allocate(2 * audio.size).order(ByteOrder.LITTLE_ENDIAN)
        for (v in audio) buf.putShort((v.coerceIn(-1f, 1f) * 32767f).let { Math.round(it) }.toShort())
        file.write(buf.array())
        samples += audio.size
    }

    override fun close() {
        val data = 2 * samples
        val h = ByteBuffer.allocate(HEADER_BYTES).order(ByteOrder.LITTLE_ENDIAN)
        h.put("RIFF".toByteArray()).putInt((36 + data).toInt()).put("WAVE".toByteArray())
        h.put("fmt ".toByteArray()).putInt(16).putShort(1).putShort(1).putInt(sampleRate).putInt(2 * sampleRate)
            .putShort(2).putShort(16)
        h.put("data".toByteArray()).putInt(data.toInt())
        file.seek(0)
        file.write(h.array())
        file.fd.sync()
        file.close()
        if (!temp.renameTo(target)) throw java.io.IOException("cannot rename $temp to $target")
    }

    companion object { const val HEADER_BYTES = 44 }
}
