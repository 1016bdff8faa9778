package org.f3edge.core

/**
 * One exported step graph behind one call: `run(inputs) -> outputs`, each a flat float array in the
 * manifest's order and shapes (inputs = x, *states; outputs = y, *new_states). The app wraps ExecuTorch's
 * `Module` or LiteRT's signature runner in it; tests replay golden traces through it.
 */
fun interface StepRunner {
    fun run(inputs: List<FloatArray>): List<FloatArray>
}
