"""Frozen-encoder distillation for the representation encoder (train config `distill_weight`): a linear head
on the features (`RepresentationModel.distill_head`) regresses, frame by frame, the frozen Whisper encoder's
features of the transcribed clips the frozen LM reads (the encoder of that LM's own model: its decoder was
trained to read them), pooled to the latent rate and standardized per channel.

Why: the linear CTC probe reads one frame, and Whisper's encoder features read that way reach a digit error
of 0.002 where ours stay near 0.02 (docs/results/probes/README.md). The frozen LM's cross-attention may gather
a word from many frames; this objective asks each frame to hold what Whisper's frame at that moment holds.
The student is causal and Whisper is not: with `distill_delay` d, frame t is scored against Whisper's frame
t - d (it has heard d frames more of what it is asked about).

Targets are computed once per run, before the first step, from the unperturbed clips (0.17 s each measured
on a busy core: up to 14 minutes for the corpus's 5 000 clips). A speed-perturbed draw reads its clip's targets
stretched to its length: the words are where the stretched audio has them.
"""
from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor

PAD_SECONDS = 5.0   # silence after each clip in the window the frozen encoder reads


@torch.no_grad()
def whisper_targets(encoder, clips: list[np.ndarray], hop: int, pad_seconds: float = PAD_SECONDS) -> list[np.ndarray]:
    """Per clip (16 kHz audio), the frozen Whisper encoder's features averaged over each latent frame of `hop`
    samples: (ceil(len / hop), width), the frames the representation encoder gives for that clip.

    Each clip is read alone, followed by `pad_seconds` of silence: Whisper pads to 30 s, but reads a clip
    with 5 s of it at a cosine of 0.96-0.99 to that, in a sixth of the time. (Packing several clips into one
    30 s window is cheaper still, but a clip placed after another reads at a cosine of 0.64.)"""
    from ..lm.whisper_encoder import HOP, SAMPLE_RATE, whisper_log_mel
    per_frame = 2 * HOP   # Whisper's encoder frame: its second convolution strides 2 mel hops
    if hop % per_frame:
        raise ValueError(f"a latent hop of {hop} samples is not a whole number of Whisper encoder frames")
    out = []
    for x in clips:
        frames = -(-len(x) // hop)
        window = max(frames * hop, len(x) + int(pad_seconds * SAMPLE_RATE))
        window += (-window) % hop
        audio = np.zeros(window, np.float32)
        audio[:len(x)] = x
        mel = np.ascontiguousarray(whisper_log_mel(audio, padding_seconds=0)[:, : window // HOP])   # padded above
        feats = encoder(torch.from_numpy(mel)[None])[0].numpy()
        out.append(feats.reshape(-1, hop // per_frame, feats.shape[-1]).mean(1)[:frames])
    return out


class DistillTargets:
    """The cached targets of a run's transcribed clips (by the clips' index), standardized per channel with
    their own statistics, served stretched to each draw's frames."""

    def __init__(self, targets: list[np.ndarray]):
        frames = np.concatenate(targets)
        self.mean, self.std = frames.mean(0), frames.std(0) + 1e-5
        self.targets = [torch.from_numpy((t - self.mean) / self.std).float() for t in targets]

    @property
    def width(self) -> int:
        return self.targets[0].shape[-1]

    def batch(self, indices, frames: Tensor) -> Tensor:
        """(B, max(frames), width): clip `indices[b]`'s targets stretched to `frames[b]` frames, zero after."""
        out = torch.zeros(len(indices), int(frames.max()), self.width)
        for b, (i, n) in enumerate(zip(indices, frames.tolist())):
            t = self.targets[int(i)]
            if len(t) != n:   # a speed-perturbed draw
                t = F.interpolate(t.T[None], size=n, mode="linear", align_corners=False)[0].T
            out[b, :n] = t
        return out


def encoder_distill_loss(pred: Tensor, target: Tensor, frames: Tensor, delay: int = 0) -> Tensor:
    """pred, target (B, T, width), valid `frames` (B,): frame t of `pred` against frame t - `delay` of
    `target`, over the valid frames; L1 plus (1 - cosine similarity), as DistilHuBERT scores its heads."""
    pred, target = pred[:, delay:].float(), target[:, : target.shape[1] - delay].to(pred.device)
    valid = torch.arange(pred.shape[1], device=pred.device)[None, :] < (frames.to(pred.device) - delay)[:, None]
    if not bool(valid.any()):
        return pred.sum() * 0.0
    p, t = pred[valid], target[valid]
    return (p - t).abs().mean() + (1 - F.cosine_similarity(p, t, dim=-1)).mean()
