"""What a latent space carries, independent of its decoder: a small mel head trained on FROZEN latents.

The same head (3 convolutions, +-3 latent frames of context), data, seed and step budget for every model:
latents of training-split corpus clips -> 80-band natural-log mel at 100 Hz (4 mel frames per 25 Hz latent
frame, n_fft 1024), L1 loss; scored as the mean L1 on the dev set (nats, and dB as `f3edge eval`'s log-mel
L1). A lower number means the latents hold more of the fine spectral detail a decoder (or a vocoder) needs.

    python -m benchmarks.latent_probe --model runs/bakeoff/phase/model --train-data data/corpus \
        --dev ../shared/data/dev --json docs/results/bakeoff/probe_phase.json
"""
from __future__ import annotations

import argparse
import sys
import time

import numpy as np
import torch
from torch import nn

import f3edge
from f3edge.audio import read_audio
from f3edge.data import load_clips, training_split
from f3edge.mel import log_mel

from .json_out import emit

N_MELS, MEL_FFT, MEL_HOP = 80, 1024, 160
NATS_TO_DB = 10 / np.log(10)


class MelHead(nn.Module):
    def __init__(self, dim: int, per_frame: int, width: int = 256):
        super().__init__()
        self.per_frame = per_frame
        self.net = nn.Sequential(nn.Conv1d(dim, width, 5, padding=2), nn.SiLU(), nn.Conv1d(width, width, 3, padding=1),
                                 nn.SiLU(), nn.Conv1d(width, N_MELS * per_frame, 1))

    def forward(self, z: torch.Tensor) -> torch.Tensor:   # (B, D, T) -> (B, N_MELS, T * per_frame)
        y = self.net(z)
        b, _, t = y.shape
        return y.reshape(b, self.per_frame, N_MELS, t).permute(0, 2, 3, 1).reshape(b, N_MELS, t * self.per_frame)


def pairs(tok, paths: list[str]) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """(latents (D, T), log-mel (N_MELS, 4T)) per clip, the audio zero-padded to whole latent frames."""
    per = tok.hop // MEL_HOP
    out = []
    for p in paths:
        x = read_audio(p, tok.sample_rate)
        x = np.concatenate([x, np.zeros((-len(x)) % tok.hop, np.float32)])
        z = torch.from_numpy(tok.encode(x)).T.contiguous()
        mel = log_mel(torch.from_numpy(x), tok.sample_rate, MEL_FFT, MEL_HOP, N_MELS)[0, :, : z.shape[1] * per]
        if mel.shape[1] == z.shape[1] * per:
            out.append((z, mel))
    return out


def crops(data, frames: int, batch: int, rng: np.random.Generator, per: int):
    zs, ms = [], []
    for i in rng.integers(0, len(data), batch):
        z, m = data[i]
        if z.shape[1] < frames:
            z = nn.functional.pad(z, (0, frames - z.shape[1]))
            m = nn.functional.pad(m, (0, frames * per - m.shape[1]), value=float(np.log(1e-5)))
        s = int(rng.integers(0, z.shape[1] - frames + 1))
        zs.append(z[:, s:s + frames])
        ms.append(m[:, s * per:(s + frames) * per])
    return torch.stack(zs), torch.stack(ms)


def probe(model: str, train_data: str, dev: str, train_clips: int = 400, steps: int = 1500, seed: int = 0,
          log=print) -> dict:
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    tok = f3edge.load(model)
    per = tok.hop // MEL_HOP
    pool = training_split(load_clips(train_data))
    chosen = [pool[i].path for i in rng.choice(len(pool), size=min(train_clips, len(pool)), replace=False)]
    t0 = time.time()
    train = pairs(tok, chosen)
    held = pairs(tok, [c.path for c in load_clips(dev)])
    log(f"latents: {len(train)} training clips, {len(held)} dev clips ({time.time() - t0:.0f} s)")
    head = MelHead(tok.cfg.signal.latent_dim, per)
    opt = torch.optim.AdamW(head.parameters(), lr=1e-3)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, steps)
    for step in range(1, steps + 1):
        z, m = crops(train, 50, 16, rng, per)
        loss = (head(z) - m).abs().mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
        if step % 250 == 0:
            log(f"step {step} train L1 {loss.item():.4f}")
    head.eval()
    with torch.no_grad():
        num = sum(float((head(z[None])[0] - m).abs().sum()) for z, m in held)
        den = sum(m.numel() for _, m in held)
    l1 = num / den
    return {"model": model, "model_id": tok.model_id, "latent_space": tok.cfg.latent_space, "train_clips": len(train),
            "dev_clips": len(held), "steps": steps, "seed": seed, "dev_mel_l1_nats": round(l1, 4),
            "dev_mel_l1_db": round(l1 * NATS_TO_DB, 3), "seconds": round(time.time() - t0, 1)}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.latent_probe", description=__doc__.splitlines()[0])
    p.add_argument("--model", required=True)
    p.add_argument("--train-data", default="data/corpus")
    p.add_argument("--dev", required=True)
    p.add_argument("--steps", type=int, default=1500)
    p.add_argument("--train-clips", type=int, default=400)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--json")
    a = p.parse_args(argv)
    torch.set_num_threads(a.threads)
    result = probe(a.model, a.train_data, a.dev, a.train_clips, a.steps, log=lambda m: print(m, file=sys.stderr))
    emit(result, a.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
