"""Discriminators for adversarial fine-tuning (HiFi-GAN / EnCodec style) and their losses.

Multi-resolution STFT discriminator: 2-D convs over the complex spectrogram at several resolutions.
Multi-period discriminator: 2-D convs over the waveform folded by a period.
Both return (logits per sub-discriminator, feature maps per sub-discriminator) for feature matching.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn


class STFTDisc(nn.Module):
    def __init__(self, n_fft: int, hop: int, channels: int = 32):
        super().__init__()
        self.n_fft, self.hop = n_fft, hop
        c = channels
        self.convs = nn.ModuleList([
            nn.Conv2d(2, c, (3, 9), padding=(1, 4)),
            nn.Conv2d(c, c, (3, 9), stride=(1, 2), padding=(1, 4)),
            nn.Conv2d(c, c, (3, 9), stride=(1, 2), padding=(1, 4)),
            nn.Conv2d(c, c, (3, 9), stride=(1, 2), padding=(1, 4)),
            nn.Conv2d(c, c, (3, 3), padding=(1, 1)),
        ])
        self.out = nn.Conv2d(c, 1, (3, 3), padding=(1, 1))

    def forward(self, x: Tensor) -> tuple[Tensor, list[Tensor]]:
        w = torch.hann_window(self.n_fft, device=x.device, dtype=x.dtype)
        s = torch.stft(x.reshape(-1, x.shape[-1]), self.n_fft, self.hop, window=w, return_complex=True)
        h = torch.stack([s.real, s.imag], dim=1).transpose(2, 3)   # (B, 2, T, F)
        feats = []
        for conv in self.convs:
            h = F.leaky_relu(conv(h), 0.2)
            feats.append(h)
        return self.out(h), feats


class PeriodDisc(nn.Module):
    def __init__(self, period: int, channels: int = 32):
        super().__init__()
        self.period = period
        c = channels
        self.convs = nn.ModuleList([
            nn.Conv2d(1, c, (5, 1), (3, 1), padding=(2, 0)),
            nn.Conv2d(c, 2 * c, (5, 1), (3, 1), padding=(2, 0)),
            nn.Conv2d(2 * c, 4 * c, (5, 1), (3, 1), padding=(2, 0)),
            nn.Conv2d(4 * c, 4 * c, (5, 1), 1, padding=(2, 0)),
        ])
        self.out = nn.Conv2d(4 * c, 1, (3, 1), padding=(1, 0))

    def forward(self, x: Tensor) -> tuple[Tensor, list[Tensor]]:
        b, _, t = x.shape
        pad = (-t) % self.period
        x = F.pad(x, (0, pad), mode="reflect") if pad else x
        h = x.view(b, 1, -1, self.period)
        feats = []
        for conv in self.convs:
            h = F.leaky_relu(conv(h), 0.2)
            feats.append(h)
        return self.out(h), feats


class LogMagDisc(nn.Module):
    """Small 2-D conv net over a log-magnitude spectrogram (the cheap discriminator of the Opus
    FARGAN/NoLACE fine-tunes): stride 2 along frequency keeps its cost below the generator's."""

    def __init__(self, n_fft: int, hop: int, channels: int = 16):
        super().__init__()
        self.n_fft, self.hop = n_fft, hop
        c = channels
        self.convs = nn.ModuleList([
            nn.Conv2d(1, c, (3, 7), padding=(1, 3)),
            nn.Conv2d(c, c, (3, 5), stride=(1, 2), padding=(1, 2)),
            nn.Conv2d(c, 2 * c, (3, 5), stride=(2, 2), padding=(1, 2)),
            nn.Conv2d(2 * c, 2 * c, (3, 5), stride=(1, 2), padding=(1, 2)),
        ])
        self.out = nn.Conv2d(2 * c, 1, (3, 3), padding=(1, 1))

    def forward(self, x: Tensor) -> tuple[Tensor, list[Tensor]]:
        w = torch.hann_window(self.n_fft, device=x.device, dtype=x.dtype)
        s = torch.stft(x.reshape(-1, x.shape[-1]), self.n_fft, self.hop, window=w, return_complex=True)
        h = torch.log(s.abs().clamp_min(1e-5))[:, None].transpose(2, 3)   # (B, 1, T, F)
        feats = []
        for conv in self.convs:
            h = F.leaky_relu(conv(h), 0.2)
            feats.append(h)
        return self.out(h), feats


class Discriminators(nn.Module):
    def __init__(self, stft_resolutions=((512, 128), (1024, 256), (256, 64)), periods=(2, 3, 5, 7, 11),
                 channels: int = 32, kind: str = "stft_mpd"):
        super().__init__()
        if kind == "stft_mpd":
            subs = [STFTDisc(n, h, channels) for n, h in stft_resolutions] + [PeriodDisc(p, channels) for p in periods]
        elif kind == "logmag":
            subs = [LogMagDisc(n, h, channels) for n, h in stft_resolutions]
        else:
            raise ValueError(f"disc_kind must be 'stft_mpd' or 'logmag', not {kind!r}")
        self.subs = nn.ModuleList(subs)

    def forward(self, x: Tensor) -> list[tuple[Tensor, list[Tensor]]]:
        return [d(x) for d in self.subs]


ADV_LOSSES = ("hinge", "lsgan")


def discriminator_loss(real: list, fake: list, kind: str = "hinge") -> Tensor:
    """Hinge, or least squares (LSGAN: real -> 1, fake -> 0)."""
    if kind == "lsgan":
        return sum((r[0] - 1).pow(2).mean() + f[0].pow(2).mean() for r, f in zip(real, fake)) / len(real)
    return sum(F.relu(1 - r[0]).mean() + F.relu(1 + f[0]).mean() for r, f in zip(real, fake)) / len(real)


def generator_loss(fake: list, kind: str = "hinge") -> Tensor:
    if kind == "lsgan":
        return sum((f[0] - 1).pow(2).mean() for f in fake) / len(fake)
    return sum(F.relu(1 - f[0]).mean() for f in fake) / len(fake)


def feature_matching_loss(real: list, fake: list) -> Tensor:
    total, n = 0.0, 0
    for (_, fr), (_, ff) in zip(real, fake):
        for a, b in zip(fr, ff):
            total = total + F.l1_loss(b, a.detach()) / (a.detach().abs().mean() + 1e-5)
            n += 1
    return total / n
