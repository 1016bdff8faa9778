"""Measurements shared by f3edge configurations and peers: quality on real speech, speed, latency."""
from __future__ import annotations

import statistics
import time

import numpy as np

from f3edge.metrics import log_mel_l1_db, pesq_wb, snr_db, stoi


def _envelope(x: np.ndarray, width: int = 80) -> np.ndarray:
    e = np.convolve(np.abs(x), np.ones(width) / width, mode="same")
    return e - e.mean()


def align(ref: np.ndarray, est: np.ndarray, max_lag: int = 800) -> np.ndarray:
    """Shift `est` by the codec delay (0..max_lag samples) that best matches `ref`. Matched on smoothed
    amplitude envelopes, not waveforms: a codec that does not keep phase has no waveform correlation."""
    n = min(len(ref), len(est)) - max_lag
    if n <= 0:
        return est[: len(ref)]
    er, ee = _envelope(ref[:n]), _envelope(est[: n + max_lag])
    scores = [float(np.dot(er, ee[lag:lag + n])) for lag in range(0, max_lag + 1, 4)]
    lag = 4 * int(np.argmax(scores))
    out = est[lag:]
    return np.pad(out, (0, max(0, len(ref) - len(out))))[: len(ref)]


def quality(x: np.ndarray, y: np.ndarray, sr: int = 16000) -> dict:
    y = align(x, y)
    return {"pesq_wb": pesq_wb(x, y, sr), "stoi": stoi(x, y, sr), "log_mel_l1_db": log_mel_l1_db(x, y, sr)}


def summarize_times(times: list[float]) -> dict:
    return {"median": statistics.median(times), "min": min(times), "max": max(times), "runs": len(times)}


def repeat(fn, runs: int = 5, warmup: int = 1) -> dict:
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return summarize_times(times)


def percentiles(samples: list[float]) -> dict:
    a = np.asarray(samples) * 1000
    return {"p50_ms": float(np.percentile(a, 50)), "p99_ms": float(np.percentile(a, 99)), "n": len(a)}


def latent_snr(ref: np.ndarray, est: np.ndarray) -> float:
    n = min(len(ref), len(est))
    return snr_db(ref[:n], est[:n])
