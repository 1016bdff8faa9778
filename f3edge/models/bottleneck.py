"""The F3 bottleneck: per-frame channel normalization plus Gaussian noise while training (no KL).

Every latent frame is normalized over its D channels (zero mean, unit variance), so latents have a fixed
scale whatever the input loudness; the decoder is trained on noisy latents so it tolerates the
prediction error of a downstream model (or of a distilled student encoder).
"""
from __future__ import annotations

import torch
from torch import Tensor, nn


def channel_normalize(h: Tensor, eps: float = 1e-5) -> Tensor:
    """(B, D, T) -> per-frame normalized over D."""
    mean = h.mean(dim=1, keepdim=True)
    centred = h - mean
    var = (centred * centred).mean(dim=1, keepdim=True)
    return centred * torch.rsqrt(var + eps)


class NoisyChannelNorm(nn.Module):
    def __init__(self, max_sigma: float = 0.5):
        super().__init__()
        self.max_sigma = max_sigma

    def forward(self, h: Tensor, sigma: float | Tensor | None = None) -> Tensor:
        """Normalize; add noise with per-item std drawn from U(0, sigma) when `sigma` is given."""
        z = channel_normalize(h)
        if sigma is None or (not torch.is_tensor(sigma) and sigma <= 0):
            return z
        std = torch.rand(z.shape[0], 1, 1, device=z.device, dtype=z.dtype) * sigma
        return z + std * torch.randn_like(z)
