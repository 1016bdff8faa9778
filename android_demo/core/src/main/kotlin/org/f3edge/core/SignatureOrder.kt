package org.f3edge.core

/**
 * LiteRT signatures name the converted graph's tensors args_0, args_1, ..., args_10 and output_0, ...: their
 * manifest order is the numeric suffix, never string order (args_10 sorts before args_2). States share shapes
 * (several encoder states are [1,160,6]), so a wrong order would pass any shape check; f3edge's Python
 * LiteRT runner uses this same rule.
 */
fun signatureOrder(names: Collection<String>): List<String> =
    names.sortedBy { name -> Regex("(\\d+)$").find(name)?.groupValues?.get(1)?.toInt() ?: 0 }
