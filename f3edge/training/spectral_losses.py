"""Losses that see phase, at the decoder's own STFT (n_fft 640 / hop 160, the framing of `CausalSTFT`), where
the target spectrum is exact: the decoder's frame t and the analysis frame t cover the same samples.

* compressed magnitude: MSE of |S|^c against |X|^c (c = 0.3, the power-law compression of MP-SENet/APNet);
* compressed complex: MSE of |S|^c e^{j angle S} against the same of X;
* anti-wrapping phase (instantaneous phase, group delay along frequency, instantaneous frequency along time),
  each weighted by the target's compressed magnitude so that silent bins, whose phase is noise, do not
  dominate;
* STFT consistency: the spectrum the decoder emits against the STFT of the audio it synthesizes (a
  spectrum no signal has is not what is heard).
All in fp32, outside autocast. Spectra are (B, 2*n_bins, T): real parts, then imaginary parts.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor

TWO_PI = 2 * math.pi


@dataclass(frozen=True)
class PhaseLossWeights:
    compressed_magnitude: float = 0.0
    compressed_complex: float = 0.0
    phase: float = 0.0           # sum of the three anti-wrapping terms
    consistency: float = 0.0
    compress: float = 0.3

    @property
    def any(self) -> bool:
        return any(w > 0 for w in (self.compressed_magnitude, self.compressed_complex, self.phase, self.consistency))


def causal_stft(x: Tensor, n_fft: int, hop: int) -> Tensor:
    """(B, 1, L) -> (B, 2*n_bins, L/hop) with `CausalSTFT`'s framing (frame t ends at sample (t+1)*hop)."""
    xx = F.pad(x.reshape(x.shape[0], -1), (n_fft - hop, 0))
    window = torch.hann_window(n_fft, device=x.device, dtype=x.dtype)
    s = torch.stft(xx, n_fft, hop, window=window, center=False, return_complex=True)
    return torch.cat([s.real, s.imag], dim=1)


def split(spec: Tensor) -> tuple[Tensor, Tensor]:
    n = spec.shape[1] // 2
    return spec[:, :n], spec[:, n:]


def safe_angle(re: Tensor, im: Tensor) -> Tensor:
    """atan2 with a finite gradient at the origin (where the angle is undefined anyway)."""
    tiny = (re * re + im * im) < 1e-20
    return torch.atan2(torch.where(tiny, torch.zeros_like(im), im), torch.where(tiny, torch.full_like(re, 1e-10), re))


def anti_wrap(d: Tensor) -> Tensor:
    """|d - 2 pi round(d / 2 pi)|: the distance between two angles, whatever their wrapping."""
    return torch.abs(d - TWO_PI * torch.round(d / TWO_PI))


def compressed(re: Tensor, im: Tensor, c: float) -> tuple[Tensor, Tensor, Tensor]:
    mag = torch.sqrt(re * re + im * im + 1e-10)
    scale = mag.pow(c - 1.0)
    return mag.pow(c), re * scale, im * scale


def weighted_mean(x: Tensor, w: Tensor) -> Tensor:
    return (x * w).sum() / w.sum().clamp_min(1e-8)


def phase_terms(pred_re: Tensor, pred_im: Tensor, true_re: Tensor, true_im: Tensor, weight: Tensor) -> dict[str, Tensor]:
    """Instantaneous phase, group delay (difference along frequency) and instantaneous frequency
    (difference along time), anti-wrapped and weighted by `weight` (B, F, T)."""
    p, t = safe_angle(pred_re, pred_im), safe_angle(true_re, true_im)
    ip = weighted_mean(anti_wrap(p - t), weight)
    gd = weighted_mean(anti_wrap(torch.diff(p, dim=1) - torch.diff(t, dim=1)), torch.minimum(weight[:, 1:], weight[:, :-1]))
    iaf = weighted_mean(anti_wrap(torch.diff(p, dim=2) - torch.diff(t, dim=2)),
                        torch.minimum(weight[..., 1:], weight[..., :-1]))
    return {"phase_ip": ip, "phase_gd": gd, "phase_iaf": iaf}


def phase_aware_losses(pred_spec: Tensor, y_hat: Tensor, target: Tensor, n_fft: int, hop: int,
                       w: PhaseLossWeights) -> dict[str, Tensor]:
    """pred_spec: the decoder's spectrum; y_hat: the audio synthesized from it (time-aligned); target: the
    input audio. Returns each term and `total` (the weighted sum of the enabled ones)."""
    pred_spec, y_hat, target = pred_spec.float(), y_hat.float(), target.float()
    frames = min(pred_spec.shape[-1], target.shape[-1] // hop)
    pred_spec = pred_spec[..., :frames]
    true_spec = causal_stft(target[..., : frames * hop], n_fft, hop)
    pr, pi = split(pred_spec)
    tr, ti = split(true_spec)
    p_mag, p_cre, p_cim = compressed(pr, pi, w.compress)
    t_mag, t_cre, t_cim = compressed(tr, ti, w.compress)
    out: dict[str, Tensor] = {}
    total = pred_spec.new_zeros(())
    if w.compressed_magnitude > 0:
        out["cmag"] = F.mse_loss(p_mag, t_mag)
        total = total + w.compressed_magnitude * out["cmag"]
    if w.compressed_complex > 0:
        out["ccomplex"] = F.mse_loss(p_cre, t_cre) + F.mse_loss(p_cim, t_cim)
        total = total + w.compressed_complex * out["ccomplex"]
    if w.phase > 0:
        terms = phase_terms(pr, pi, tr, ti, t_mag.detach())
        out.update(terms)
        out["phase"] = sum(terms.values())
        total = total + w.phase * out["phase"]
    if w.consistency > 0:
        # The first n_fft/hop - 1 frames also hold synthesis from before the clip's start, which the
        # time-aligned output does not contain: leave them out.
        skip = n_fft // hop - 1
        re_spec = causal_stft(y_hat[..., : frames * hop], n_fft, hop)
        rr, ri = split(re_spec[..., skip:])
        _, r_cre, r_cim = compressed(rr, ri, w.compress)
        out["consistency"] = F.mse_loss(p_cre[..., skip:], r_cre) + F.mse_loss(p_cim[..., skip:], r_cim)
        total = total + w.consistency * out["consistency"]
    out["total"] = total
    return out
