package org.f3edge.core

import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertTrue
import org.junit.Test
import java.io.File
import java.nio.ByteBuffer
import java.nio.ByteOrder
import java.nio.file.Files

class UtilitiesTest {
    @Test fun signatureNamesAreOrderedByTheirNumericSuffix() {
        val names = (0..11).map { "args_$it" }.shuffled(java.util.Random(0))
        assertEquals((0..11).map { "args_$it" }, signatureOrder(names))
        assertEquals(listOf("output_0", "output_2", "output_10"), signatureOrder(listOf("output_10", "output_0", "output_2")))
    }

    @Test fun percentilesAndRealTimeFactor() {
        val s = StepStats()
        assertTrue(s.percentileMs(0.5).isNaN())
        for (ms in 1..100) s.add(ms * 1_000_000L)
        assertEquals(51.0, s.percentileMs(0.5), 1e-9)
        assertEquals(100.0, s.percentileMs(0.99), 1e-9)
        assertEquals(51.0 / 40.0, s.realTimeFactor(0.040), 1e-9)
    }

    @Test fun wavWriterWritesAValidHeaderAndOnlyRenamesOnClose() {
        val dir = Files.createTempDirectory("wav").toFile()
        val target = File(dir, "out.wav")
        val w = WavWriter(target, 16000)
        w.write(floatArrayOf(0f, 0.5f, -1f, 2f))
        assertFalse("no file under the final name before close", target.exists())
        w.close()
        val b = ByteBuffer.wrap(target.readBytes()).order(ByteOrder.LITTLE_ENDIAN)
        assertEquals(44 + 8, target.length().toInt())
        assertEquals(36 + 8, b.getInt(4))
        assertEquals(16000, b.getInt(24))
        assertEquals(8, b.getInt(40))
        assertEquals(listOf<Short>(0, 16384, -32767, 32767), (0 until 4).map { b.getShort(44 + 2 * it) })
    }
}
