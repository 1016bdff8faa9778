"""Accuracy-vs-size, speed and latency benchmarks of f3edge against real peers, in one run.

    python -m benchmarks.run                 # full run -> benchmarks/results/<date>-<machine>/
    python -m benchmarks.run --smoke         # two clips, a couple of configurations, < 2 minutes
"""
