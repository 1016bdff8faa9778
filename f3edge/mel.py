"""Mel spectra shared by the training losses, the metrics and the probes: triangular mel filters and
natural-log mel magnitudes of a centred Hann STFT."""
from __future__ import annotations

import functools
import math

import torch
from torch import Tensor


def _hz_to_mel(f):
    return 2595.0 * math.log10(1.0 + f / 700.0) if not torch.is_tensor(f) else 2595.0 * torch.log10(1.0 + f / 700.0)


def _mel_to_hz(m: Tensor) -> Tensor:
    return 700.0 * (10 ** (m / 2595.0) - 1.0)


@functools.lru_cache(maxsize=16)
def mel_filterbank(sample_rate: int, n_fft: int, n_mels: int, fmin: float = 0.0, fmax: float | None = None) -> Tensor:
    """(n_mels, n_fft//2+1) triangular HTK-mel filters with unit area (Slaney normalization)."""
    fmax = fmax or sample_rate / 2
    freqs = torch.linspace(0, sample_rate / 2, n_fft // 2 + 1, dtype=torch.float64)
    mels = torch.linspace(_hz_to_mel(fmin), _hz_to_mel(fmax), n_mels + 2, dtype=torch.float64)
    hz = _mel_to_hz(mels)
    lower, centre, upper = hz[:-2, None], hz[1:-1, None], hz[2:, None]
    up = (freqs[None] - lower) / (centre - lower)
    down = (upper - freqs[None]) / (upper - centre)
    fb = torch.clamp(torch.minimum(up, down), min=0.0)
    fb = fb * (2.0 / (upper - lower))
    return fb.float()


def stft_mag(x: Tensor, n_fft: int, hop: int) -> Tensor:
    window = torch.hann_window(n_fft, device=x.device, dtype=x.dtype)
    spec = torch.stft(x.reshape(-1, x.shape[-1]), n_fft, hop, window=window, return_complex=True, center=True)
    return spec.abs().clamp_min(1e-7)


MEL_FLOOR = 1e-5   # mel magnitudes are clamped here before the log: digital silence sits exactly at log(MEL_FLOOR)


def log_mel(x: Tensor, sample_rate: int, n_fft: int, hop: int, n_mels: int) -> Tensor:
    fb = mel_filterbank(sample_rate, n_fft, n_mels).to(x.device)
    return torch.log(torch.clamp(fb @ stft_mag(x, n_fft, hop), min=MEL_FLOOR))


# Log-mel at the latents' frame rate: 80-bin log-mel of 10 ms frames (64 ms Hann window), the 10 ms frames of one
# latent hop stacked into one vector. The probes' log-mel row and RQ-MTP's log-mel targets read this definition.
LATENT_RATE_MEL_BINS = 80
LATENT_RATE_MEL_FFT = 1024


def latent_rate_mel_dim(sample_rate: int, hop: int) -> int:
    """Width of one latent-rate log-mel frame; refuses a hop that is not a whole number of 10 ms frames."""
    step = sample_rate // 100
    if sample_rate % 100 or hop % step:
        raise ValueError(f"a latent hop of {hop} samples at {sample_rate} Hz is not a whole number of 10 ms frames")
    return hop // step * LATENT_RATE_MEL_BINS


def latent_rate_log_mel(x: Tensor, sample_rate: int, hop: int) -> Tensor:
    """(B, N) audio -> (B, T, latent_rate_mel_dim) with T = (N // 10 ms + 1) // (10 ms frames per hop): frame t holds
    the 10 ms frames t*per .. t*per+per-1, which cover the audio of latent frame t."""
    step = sample_rate // 100
    per = latent_rate_mel_dim(sample_rate, hop) // LATENT_RATE_MEL_BINS
    mel = log_mel(x, sample_rate, LATENT_RATE_MEL_FFT, step, LATENT_RATE_MEL_BINS).transpose(1, 2)   # (B, N', bins)
    n = mel.shape[1] // per
    return mel[:, : n * per].reshape(x.shape[0], n, per * LATENT_RATE_MEL_BINS)
