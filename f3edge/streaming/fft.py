"""Real DFT of a frame as a two-stage Cooley-Tukey factorization built from linear layers.

A dense DFT basis for n_fft = 640 holds 642 x 640 weights (1.6 MB in fp32, per direction) and costs 411 k
multiply-adds per frame. With n_fft = N1 * N2 the same transform is: a length-N1 DFT over n1 for each n2
(one small matrix), an elementwise twiddle, and a length-N2 DFT over n2 for each k1 (another small
matrix): ~5 k constants and ~70 k multiply-adds. Only linear, reshape, permute, slice and elementwise ops:
every exporter and delegate here supports them, and an int8 recipe that quantizes convolutions only
leaves the transform exact in float at a negligible size.

Index maps: input n = N2 * n1 + n2, output k = k1 + N1 * k2 (k <= n_fft / 2 only: the input is real).
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor, nn


def split_factors(n: int) -> tuple[int, int]:
    """n = n1 * n2 with n1 the smallest divisor >= sqrt(n): both stages stay small."""
    n1 = next(d for d in range(math.isqrt(n), n + 1) if n % d == 0 and d * d >= n)
    if n1 == n:
        raise ValueError(f"n_fft={n} has no factorization for a two-stage DFT")
    return n1, n // n1


def _cis(num: Tensor, den: int) -> tuple[Tensor, Tensor]:
    ang = 2 * math.pi * num.to(torch.float64) / den
    return torch.cos(ang), torch.sin(ang)


class RealDFT(nn.Module):
    """(..., n_fft) real frames -> (..., 2 * n_bins): real parts of bins 0..n_fft/2, then imaginary parts.
    Same sign convention as torch.fft.rfft."""

    def __init__(self, n_fft: int):
        super().__init__()
        n1, n2 = split_factors(n_fft)
        self.n_fft, self.n1, self.n2 = n_fft, n1, n2
        self.k2 = n_fft // 2 // n1 + 1                 # k2 values holding bins k <= n_fft / 2
        self.n_bins = n_fft // 2 + 1
        i1 = torch.arange(n1)
        c1, s1 = _cis(i1[:, None] * i1[None, :], n1)   # (k1, n1)
        self.register_buffer("stage1", torch.cat([c1, -s1]).float(), persistent=False)   # (2*N1, N1)
        tc, ts = _cis(torch.arange(n2)[:, None] * i1[None, :], n_fft)                   # (n2, k1)
        self.register_buffer("twiddle_cos", tc.float(), persistent=False)
        self.register_buffer("twiddle_sin", (-ts).float(), persistent=False)
        c2, s2 = _cis(torch.arange(self.k2)[:, None] * torch.arange(n2)[None, :], n2)     # (k2, n2)
        # [Xr; Xi] = [[C, S]; [-S, C]] applied to [Zr, Zi] (rows = outputs), with the e^{-i} sign
        w2 = torch.cat([torch.cat([c2, s2], 1), torch.cat([-s2, c2], 1)], 0)
        self.register_buffer("stage2", w2.float(), persistent=False)                   # (2*K2, 2*N2)

    def forward(self, x: Tensor) -> Tensor:
        lead = x.shape[:-1]
        n1, n2 = self.n1, self.n2
        g = x.reshape(-1, n1, n2).transpose(1, 2)                 # (M, n2, n1)
        y = F.linear(g, self.stage1)                              # (M, n2, [re k1, im k1])
        yr, yi = y[..., :n1], y[..., n1:]
        zr = yr * self.twiddle_cos - yi * self.twiddle_sin
        zi = yr * self.twiddle_sin + yi * self.twiddle_cos
        z = torch.cat([zr, zi], dim=1).transpose(1, 2)             # (M, k1, [re n2, im n2])
        out = F.linear(z, self.stage2)                            # (M, k1, [re k2, im k2])
        out = out.reshape(-1, n1, 2, self.k2).permute(0, 2, 3, 1)  # (M, re/im, k2, k1): bin k = k1 + N1*k2
        out = out.reshape(-1, 2, self.k2 * n1)[..., : self.n_bins]
        return out.reshape(*lead, 2 * self.n_bins)


class InverseRealDFT(nn.Module):
    """(..., 2 * n_bins) half spectrum -> (..., n_fft) real frame: x[n] = sum_k coef[k] * Re(X[k] e^{+i..}),
    with coef (per bin, real and imaginary part) supplied by the caller (1/N and the 2x for the bins whose
    mirror image is implied). The imaginary parts of bins 0 and n_fft/2 do not contribute, as in irfft."""

    def __init__(self, n_fft: int):
        super().__init__()
        n1, n2 = split_factors(n_fft)
        self.n_fft, self.n1, self.n2 = n_fft, n1, n2
        self.k2 = n_fft // 2 // n1 + 1
        self.n_bins = n_fft // 2 + 1
        c2, s2 = _cis(torch.arange(n2)[:, None] * torch.arange(self.k2)[None, :], n2)     # (n2, k2)
        w2 = torch.cat([torch.cat([c2, -s2], 1), torch.cat([s2, c2], 1)], 0)            # e^{+i}: (2*N2, 2*K2)
        self.register_buffer("stage2", w2.float(), persistent=False)
        tc, ts = _cis(torch.arange(n1)[:, None] * torch.arange(n2)[None, :], n_fft)      # (k1, n2)
        self.register_buffer("twiddle_cos", tc.float(), persistent=False)
        self.register_buffer("twiddle_sin", ts.float(), persistent=False)
        i1 = torch.arange(n1)
        c1, s1 = _cis(i1[:, None] * i1[None, :], n1)            # (n1, k1)
        self.register_buffer("stage1", torch.cat([c1, -s1], 1).float(), persistent=False)  # (N1, 2*N1): Re only

    def forward(self, spec: Tensor) -> Tensor:
        lead = spec.shape[:-1]
        n1, k2 = self.n1, self.k2
        a = spec.reshape(-1, 2, self.n_bins)
        a = F.pad(a, (0, k2 * n1 - self.n_bins))                  # bins above n_fft/2 are zero
        a = a.reshape(-1, 2, k2, n1).permute(0, 3, 1, 2)           # (M, k1, re/im, k2)
        v = F.linear(a.reshape(-1, n1, 2 * k2), self.stage2)      # (M, k1, [re n2, im n2])
        vr, vi = v[..., : self.n2], v[..., self.n2:]
        ur = vr * self.twiddle_cos - vi * self.twiddle_sin
        ui = vr * self.twiddle_sin + vi * self.twiddle_cos
        u = torch.cat([ur, ui], dim=1).transpose(1, 2)             # (M, n2, [re k1, im k1])
        x = F.linear(u, self.stage1)                              # (M, n2, n1)
        return x.transpose(1, 2).reshape(*lead, self.n_fft)       # n = N2*n1 + n2
