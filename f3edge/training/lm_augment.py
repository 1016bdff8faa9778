"""Augmentation of the frozen-LM objective's training clips. The transcribed clips are few (hundreds of
English prompts) and the encoder memorizes them: without it the training LM loss falls to ~0.06 while the
held-out loss stays near 1.7, and once the LM loss is ~0 only RQ-MTP still shapes the features. Two
standard ASR remedies, each off by default:

* speed perturbation of the audio (resampled by a factor in [1 - r, 1 + r]; the text is unchanged);
* SpecAugment-style masks on the frozen latents the encoder reads: time spans and channel bands set to 0,
  the mean of the channel-normalized latents.

Held-out scoring never sees either (it reads `TranscribedClips.batch_of`, not `batch`).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor


@dataclass(frozen=True)
class LMAugment:
    speed: float = 0.0          # r: speed factor drawn uniformly from [1 - r, 1 + r]; 0 = off
    time_masks: int = 0         # spans of latent frames zeroed per clip
    time_mask_frames: int = 10  # longest span (frames; 25 Hz -> 0.4 s)
    channel_masks: int = 0      # bands of latent channels zeroed per clip
    channel_mask_width: int = 8  # widest band (channels)

    def __post_init__(self):
        if not 0.0 <= self.speed < 0.5:
            raise ValueError(f"lm_speed_perturb must be in [0, 0.5), not {self.speed!r}")
        for name in ("time_masks", "time_mask_frames", "channel_masks", "channel_mask_width"):
            if getattr(self, name) < 0:
                raise ValueError(f"lm_{name} must be >= 0")

    @property
    def masks(self) -> bool:
        return (self.time_masks > 0 and self.time_mask_frames > 0) or \
            (self.channel_masks > 0 and self.channel_mask_width > 0)


def speed_perturb(x: np.ndarray, factor: float, sample_rate: int) -> np.ndarray:
    """The clip played `factor` times faster (pitch moves with it, as in Kaldi's speed perturbation)."""
    if factor == 1.0:
        return x
    import soxr
    return soxr.resample(x.astype(np.float32), sample_rate * factor, sample_rate).astype(np.float32)


def mask_latents(z: Tensor, frames: Tensor, aug: LMAugment, generator: torch.Generator | None = None) -> Tensor:
    """z (B, D, T) latents, frames (B,) valid lengths -> a copy with time spans (inside each clip's valid
    frames) and channel bands set to 0."""
    if not aug.masks:
        return z
    z = z.clone()
    b, d, _ = z.shape

    def draw(hi: int) -> int:   # uniform in [0, hi)
        return int(torch.randint(0, max(1, hi), (1,), generator=generator))

    for i in range(b):
        n = int(frames[i])
        for _ in range(aug.time_masks if aug.time_mask_frames else 0):
            w = draw(min(aug.time_mask_frames, n) + 1)
            t0 = draw(n - w + 1)
            z[i, :, t0:t0 + w] = 0.0
        for _ in range(aug.channel_masks if aug.channel_mask_width else 0):
            w = draw(min(aug.channel_mask_width, d) + 1)
            c0 = draw(d - w + 1)
            z[i, c0:c0 + w, :] = 0.0
    return z
