"""Reconstruction losses: multi-resolution log-mel L1 and multi-resolution STFT (log-magnitude + spectral
convergence). Always evaluated in fp32, outside autocast."""
from __future__ import annotations


import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .mel import mel_filterbank, stft_mag


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
