package org.f3edge.core

/** Step-latency percentiles over a sliding window, and the real-time factor they imply. */
class StepStats(private val window: Int = 500) {
    private val seconds = ArrayDeque<Double>()

    @Synchronized fun add(nanos: Long) {
        seconds.addLast(nanos / 1e9)
        if (seconds.size > window) seconds.removeFirst()
    }

    /** The q-quantile (0..1) of the recent steps in milliseconds, or NaN before the first step. */
    @Synchronized fun percentileMs(q: Double): Double {
        if (seconds.isEmpty()) return Double.NaN
        val sorted = seconds.sorted()
        return 1000 * sorted[minOf(sorted.size - 1, (q * sorted.size).toInt())]
    }

    /** Median compute time per step over the audio a step covers: below 1 keeps up with real time. */
    fun realTimeFactor(stepSeconds: Double): Double = percentileMs(0.5) / 1000 / stepSeconds
}
