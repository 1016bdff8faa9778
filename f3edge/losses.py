"""Reconstruction losses: multi-resolution log-mel L1 and multi-resolution STFT (log-magnitude + spectral
convergence). Always evaluated in fp32, outside autocast."""
from __future__ import annotations

import functools
import math

import torch
import torch.nn.functional as F
from torch import Tensor, nn


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


def log_mel(x: Tensor, sample_rate: int, n_fft: int, hop: int, n_mels: int) -> Tensor:
    fb = mel_filterbank(sample_rate, n_fft, n_mels).to(x.device)
    return torch.log(torch.clamp(fb @ stft_mag(x, n_fft, hop), min=1e-5))


class ReconstructionLoss(nn.Module):
    def __init__(self, sample_rate: int = 16000, mel_weight: float = 1.0, stft_weight: float = 1.0,
                 resolutions: tuple[tuple[int, int, int], ...] = ((256, 64, 40), (512, 128, 80), (1024, 256, 100),
                                                                 (2048, 512, 128))):
        super().__init__()
        self.sr = sample_rate
        self.mel_weight, self.stft_weight = mel_weight, stft_weight
        self.resolutions = resolutions

    def forward(self, y_hat: Tensor, y: Tensor) -> dict[str, Tensor]:
        y_hat, y = y_hat.float(), y.float()
        mel = y_hat.new_zeros(())
        stft = y_hat.new_zeros(())
        for n_fft, hop, n_mels in self.resolutions:
            m_hat, m = stft_mag(y_hat, n_fft, hop), stft_mag(y, n_fft, hop)
            fb = mel_filterbank(self.sr, n_fft, n_mels).to(y.device)
            mel = mel + F.l1_loss(torch.log(torch.clamp(fb @ m_hat, min=1e-5)), torch.log(torch.clamp(fb @ m, min=1e-5)))
            sc = torch.linalg.vector_norm(m - m_hat, dim=(-2, -1)) / torch.linalg.vector_norm(m, dim=(-2, -1)).clamp_min(1e-5)
            stft = stft + F.l1_loss(torch.log(m_hat.clamp_min(1e-5)), torch.log(m.clamp_min(1e-5))) + sc.mean()
        n = len(self.resolutions)
        mel, stft = mel / n, stft / n
        return {"mel": mel, "stft": stft, "total": self.mel_weight * mel + self.stft_weight * stft}
