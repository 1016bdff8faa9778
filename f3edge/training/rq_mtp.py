"""RQ-MTP: BEST-RQ-style random-projection quantization of stacked latent frames gives discrete targets; a
causal encoder predicts the codes of the next K frames with one head per step ahead (next-token prediction,
made multi-token).

The quantizer never trains: a projection and a codebook drawn from a seeded generator, kept as buffers so a
checkpoint carries them. It reads the latents (or, as an ablation, log-mel frames of the same audio at the latent
rate, standardized per clip or with corpus-wide statistics as in BEST-RQ). Code c_t quantizes frames t .. t+stack-1; the feature at frame t (which has
seen latents <= t) predicts c_{t+k} for k = 1..K, so every target lies in the future of what was seen."""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn


class RandomProjectionQuantizer(nn.Module):
    def __init__(self, in_dim: int, proj_dim: int, codebook: int, seed: int, input_stats_dim: int = 0):
        super().__init__()
        g = torch.Generator().manual_seed(seed)
        self.register_buffer("projection", torch.randn(in_dim, proj_dim, generator=g) / in_dim ** 0.5)
        self.register_buffer("codebook", F.normalize(torch.randn(codebook, proj_dim, generator=g), dim=-1))
        if input_stats_dim:   # corpus-wide input statistics, measured once before training and saved with it
            self.register_buffer("input_mean", torch.zeros(input_stats_dim))
            self.register_buffer("input_std", torch.ones(input_stats_dim))
            self.register_buffer("input_frames", torch.zeros(()))   # frames they were measured on; 0 = not yet

    @property
    def awaits_input_statistics(self) -> bool:
        """It standardizes with corpus statistics, and they have not been measured yet."""
        return hasattr(self, "input_frames") and float(self.input_frames) <= 0

    def input_statistics(self) -> tuple[Tensor, Tensor] | None:
        """(mean, std) per input channel when this quantizer standardizes with corpus statistics, else None;
        refuses statistics that were never measured (they would silently be 0 and 1)."""
        if not hasattr(self, "input_frames"):
            return None
        if self.awaits_input_statistics:
            raise ValueError("the quantizer's corpus statistics were never measured")
        return self.input_mean, self.input_std

    @torch.no_grad()
    def set_input_statistics(self, mean: Tensor, std: Tensor, frames: int) -> None:
        if not hasattr(self, "input_frames"):
            raise ValueError("this quantizer does not standardize with corpus statistics")
        if mean.shape != self.input_mean.shape or std.shape != self.input_std.shape or frames <= 0:
            raise ValueError("corpus statistics of the wrong shape, or measured on no frames")
        if not (torch.isfinite(mean).all() and torch.isfinite(std).all() and (std > 0).all()):
            raise ValueError("corpus statistics must be finite with a positive spread")
        self.input_mean.copy_(mean)
        self.input_std.copy_(std)
        self.input_frames.fill_(float(frames))

    @torch.no_grad()
    def codes(self, z: Tensor, stack: int) -> Tensor:
        """(B, D, T) latents -> (B, T - stack + 1) codes: nearest codebook entry (cosine) of the projection of
        frames t .. t+stack-1, concatenated."""
        frames = z.transpose(1, 2)                                       # (B, T, D)
        stacked = frames.unfold(1, stack, 1)                             # (B, T-s+1, D, s)
        stacked = stacked.permute(0, 1, 3, 2).reshape(z.shape[0], -1, stack * z.shape[1])
        p = F.normalize(stacked @ self.projection.to(stacked.dtype), dim=-1)
        return (p @ self.codebook.to(p.dtype).T).argmax(dim=-1)


def heard_log_mel(wav: Tensor, sample_rate: int, hop: int, frames: int | None = None) -> tuple[Tensor, Tensor]:
    """Latent-rate log-mel (B, T, F) of `wav` and a (B, T, 1) mask of the frames that hold audio: frames of
    digital silence (the zeros that pad a crop of a short clip) sit exactly at the log floor and are left out of
    every statistic - counted in, they would set the mean and spread."""
    import math
    from ..mel import MEL_FLOOR, latent_rate_log_mel
    mel = latent_rate_log_mel(wav.float(), sample_rate, hop)
    if frames is not None:
        mel = mel[:, :frames]
    return mel, (mel > math.log(MEL_FLOOR) + 1e-3).any(-1, keepdim=True).float()


def quantizer_frames(source: str, latents: Tensor, wav: Tensor | None, sample_rate: int, hop: int,
                     corpus_stats: tuple[Tensor, Tensor] | None = None) -> Tensor:
    """(B, F, T) frames the quantizer reads: the latents themselves (already channel-normalized), or, for the
    log-mel ablations, the latent-rate log-mel of the same audio, standardized per mel bin either per clip over
    its frames that hold audio ("log-mel"), or with statistics measured once over the training corpus
    ("log-mel-corpus", BEST-RQ's choice: it keeps each clip's average spectrum - voice, channel, language colour -
    in the targets, which per-clip standardization removes). The latents' normalization has no counterpart in a
    log spectrum, hence the standardization."""
    if source == "latents":
        return latents
    if wav is None:
        raise ValueError("log-mel RQ targets need the audio the latents were made from")
    mel, heard = heard_log_mel(wav, sample_rate, hop, latents.shape[-1])
    if source == "log-mel-corpus":
        if corpus_stats is None:
            raise ValueError("log-mel-corpus RQ targets need the corpus statistics the quantizer holds")
        mean, std = corpus_stats
        return ((mel - mean) / std).transpose(1, 2)
    count = heard.sum(1, keepdim=True).clamp_min(1.0)
    mean = (mel * heard).sum(1, keepdim=True) / count
    std = (((mel - mean) ** 2 * heard).sum(1, keepdim=True) / count).sqrt()
    return ((mel - mean) / (std + 1e-5)).transpose(1, 2)


def corpus_log_mel_statistics(clips, sample_rate: int, hop: int) -> tuple[Tensor, Tensor, int]:
    """Per-bin mean and standard deviation of the latent-rate log-mel over the frames that hold audio in
    `clips` (an iterable of 1-D float arrays at `sample_rate`), and the number of frames they were measured on."""
    total = total_sq = None
    n = 0
    for x in clips:
        mel, heard = heard_log_mel(torch.as_tensor(x, dtype=torch.float32)[None], sample_rate, hop)
        m = mel[0][heard[0, :, 0] > 0].double()
        if not len(m):
            continue
        total = m.sum(0) if total is None else total + m.sum(0)
        total_sq = m.pow(2).sum(0) if total_sq is None else total_sq + m.pow(2).sum(0)
        n += len(m)
    if n < 2:
        raise ValueError("no audio to measure the log-mel statistics on")
    mean = total / n
    std = (total_sq / n - mean.pow(2)).clamp_min(1e-10).sqrt()
    return mean.float(), (std + 1e-5).float(), n


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
