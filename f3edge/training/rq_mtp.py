"""RQ-MTP: BEST-RQ-style random-projection quantization of stacked latent frames gives discrete targets; a
causal encoder predicts the codes of the next K frames with one head per step ahead (next-token prediction,
made multi-token).

The quantizer never trains: a projection and a codebook drawn from a seeded generator, kept as buffers so a
checkpoint carries them. It reads the latents (or, as an ablation, log-mel frames of the same audio at the latent
rate). Code c_t quantizes frames t .. t+stack-1; the feature at frame t (which has
seen latents <= t) predicts c_{t+k} for k = 1..K, so every target lies in the future of what was seen."""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn


class RandomProjectionQuantizer(nn.Module):
    def __init__(self, in_dim: int, proj_dim: int, codebook: int, seed: int):
        super().__init__()
        g = torch.Generator().manual_seed(seed)
        self.register_buffer("projection", torch.randn(in_dim, proj_dim, generator=g) / in_dim ** 0.5)
        self.register_buffer("codebook", F.normalize(torch.randn(codebook, proj_dim, generator=g), dim=-1))

    @torch.no_grad()
    def codes(self, z: Tensor, stack: int) -> Tensor:
        """(B, D, T) latents -> (B, T - stack + 1) codes: nearest codebook entry (cosine) of the projection of
        frames t .. t+stack-1, concatenated."""
        frames = z.transpose(1, 2)                                       # (B, T, D)
        stacked = frames.unfold(1, stack, 1)                             # (B, T-s+1, D, s)
        stacked = stacked.permute(0, 1, 3, 2).reshape(z.shape[0], -1, stack * z.shape[1])
        p = F.normalize(stacked @ self.projection.to(stacked.dtype), dim=-1)
        return (p @ self.codebook.to(p.dtype).T).argmax(dim=-1)


def quantizer_frames(source: str, latents: Tensor, wav: Tensor | None, sample_rate: int, hop: int) -> Tensor:
    """(B, F, T) frames the quantizer reads: the latents themselves (already channel-normalized), or, for the
    log-mel ablation, the latent-rate log-mel of the same audio, standardized per clip and mel bin over the frames
    that hold audio (the latents' normalization has no counterpart in a log spectrum; BEST-RQ normalizes its input
    too). Frames of digital silence - the zeros that pad a crop of a short clip - are left out of the statistics:
    counted in, they set the mean and spread, and a frame's code would depend on how much padding its crop had."""
    if source == "latents":
        return latents
    import math
    from ..mel import MEL_FLOOR, latent_rate_log_mel
    if wav is None:
        raise ValueError("log-mel RQ targets need the audio the latents were made from")
    mel = latent_rate_log_mel(wav.float(), sample_rate, hop)[:, : latents.shape[-1]]      # (B, T, F)
    heard = (mel > math.log(MEL_FLOOR) + 1e-3).any(-1, keepdim=True).float()             # (B, T, 1)
    count = heard.sum(1, keepdim=True).clamp_min(1.0)
    mean = (mel * heard).sum(1, keepdim=True) / count
    std = (((mel - mean) ** 2 * heard).sum(1, keepdim=True) / count).sqrt()
    return ((mel - mean) / (std + 1e-5)).transpose(1, 2)


class NextCodeHeads(nn.Module):
    def __init__(self, dim: int, codebook: int, k: int):
        super().__init__()
        self.heads = nn.ModuleList(nn.Conv1d(dim, codebook, 1) for _ in range(k))

    def forward(self, h: Tensor) -> list[Tensor]:
        """(B, dim, T) -> K logits (B, codebook, T); head k-1 at frame t predicts code t+k."""
        return [head(h) for head in self.heads]


def aligned(logits: list[Tensor], codes: Tensor) -> list[tuple[Tensor, Tensor]]:
    """Pairs (logits at frames t, codes t+k) over the frames where code t+k exists."""
    n = codes.shape[1]
    out = []
    for k, lg in enumerate(logits, start=1):
        if n - k > 0:
            out.append((lg[..., : n - k], codes[:, k:]))
    return out


def rq_mtp_loss(logits: list[Tensor], codes: Tensor) -> tuple[Tensor, list[Tensor]]:
    """Mean cross-entropy over the K heads, and each head's top-1 accuracy."""
    pairs = aligned(logits, codes)
    losses = [F.cross_entropy(lg.float(), c) for lg, c in pairs]
    accs = [(lg.argmax(1) == c).float().mean().detach() for lg, c in pairs]
    return torch.stack(losses).mean(), accs


def baseline_accuracies(codes: Tensor, k: int, stack: int, most_frequent: int) -> dict[str, float]:
    """Trivial predictors of code t+k at frame t: the last code fully seen (c_{t-stack+1}) and the most
    frequent training code."""
    n = codes.shape[1]
    out = {}
    if n - k - 0 > stack - 1:
        last_seen = codes[:, : n - k - (stack - 1)]
        target = codes[:, k + stack - 1:]
        out["repeat_last_code"] = float((last_seen == target).float().mean())
    out["most_frequent_code"] = float((codes[:, k:] == most_frequent).float().mean())
    return out
