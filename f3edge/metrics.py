"""Quality metrics on real speech: PESQ-wb, STOI, log-mel L1 distance, aligned SI-SDR, latent SNR."""
from __future__ import annotations

import numpy as np
import torch

from .mel import log_mel


def _trim(ref: np.ndarray, est: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    n = min(len(ref), len(est))
    return np.asarray(ref[:n], np.float64), np.asarray(est[:n], np.float64)


def pesq_wb(ref: np.ndarray, est: np.ndarray, sr: int = 16000) -> float:
    from pesq import PesqError, pesq
    ref, est = _trim(ref, est)
    try:
        return float(pesq(sr, ref, est, "wb"))
    except PesqError:     # e.g. no utterance detected in a music clip
        return float("nan")


def stoi(ref: np.ndarray, est: np.ndarray, sr: int = 16000) -> float:
    from pystoi import stoi as _stoi
    ref, est = _trim(ref, est)
    return float(_stoi(ref, est, sr, extended=False))


def log_mel_l1_db(ref: np.ndarray, est: np.ndarray, sr: int = 16000) -> float:
    """Mean absolute difference of 80-band log-mel spectra, in dB."""
    ref, est = _trim(ref, est)
    r = log_mel(torch.from_numpy(ref).float(), sr, 1024, 256, 80)
    e = log_mel(torch.from_numpy(est).float(), sr, 1024, 256, 80)
    return float((10 / np.log(10)) * (r - e).abs().mean())


def si_sdr_aligned(ref: np.ndarray, est: np.ndarray, max_shift: int = 400) -> float:
    """SI-SDR after the best integer shift within +-max_shift samples (a codec may shift the signal)."""
    ref, est = _trim(ref, est)
    n = len(ref)
    best = -np.inf
    corr = np.correlate(est[max_shift:n - max_shift], ref, mode="valid") if n > 4 * max_shift else None
    shifts = [int(np.argmax(corr)) - max_shift] if corr is not None else [0]
    for s in shifts:
        r = ref[max(0, -s): n - max(0, s)]
        e = est[max(0, s): n - max(0, -s)][: len(r)]
        alpha = np.dot(e, r) / max(np.dot(r, r), 1e-12)
        target = alpha * r
        noise = e - target
        best = max(best, 10 * np.log10(max(np.dot(target, target), 1e-12) / max(np.dot(noise, noise), 1e-12)))
    return float(best)


def snr_db(ref: np.ndarray, est: np.ndarray) -> float:
    ref, est = np.asarray(ref, np.float64), np.asarray(est, np.float64)
    err = np.sum((ref - est) ** 2)
    return float(10 * np.log10(np.sum(ref ** 2) / max(err, 1e-30)))
