"""Random fixed-length crops from a list of clips, with loudness normalization and light augmentation.

The sampler owns a numpy Generator whose state is checkpointed, so a resumed run draws exactly the
crops the uninterrupted run would have drawn.
"""
from __future__ import annotations

import sys
from dataclasses import dataclass

import numpy as np
import soundfile as sf
import soxr

from ..errors import TrainingDataError
from .manifest import Clip


@dataclass(frozen=True)
class CropConfig:
    seconds: float = 1.28
    sample_rate: int = 16000
    target_dbfs: tuple[float, float] = (-32.0, -16.0)   # loudness normalization range (random per crop)
    min_dbfs: float = -50.0                               # re-draw crops quieter than this (silence)
    polarity_flip: bool = True


class CropSampler:
    def __init__(self, clips: list[Clip], cfg: CropConfig, seed: int = 0):
        clips = [c for c in clips if c.seconds > 0]
        if not clips:
            raise ValueError("no clips to sample from")
        self.clips = clips
        self.cfg = cfg
        w = np.array([c.seconds for c in clips], dtype=np.float64)
        self.p = w / w.sum()
        self.rng = np.random.default_rng(seed)
        self.skipped: set[int] = set()     # clips found unreadable or non-finite (warned once each)

    @property
    def hours(self) -> float:
        return sum(c.seconds for c in self.clips) / 3600

    def _read(self, clip: Clip, n: int) -> np.ndarray:
        info = sf.info(clip.path)
        sr = info.samplerate
        need = int(np.ceil(n * sr / self.cfg.sample_rate)) + 8
        if info.frames <= need:
            start = 0
        else:
            start = int(self.rng.integers(0, info.frames - need))
        x, _ = sf.read(clip.path, start=start, frames=need, dtype="float32", always_2d=True)
        x = x.mean(axis=1)
        if sr != self.cfg.sample_rate:
            x = soxr.resample(x, sr, self.cfg.sample_rate)
        if len(x) < n:
            x = np.pad(x, (0, n - len(x)))
        return x[:n]

    def _skip(self, i: int, why: str) -> None:
        """Drop a clip from the draw for the rest of the run, with one warning line naming it."""
        self.skipped.add(i)
        print(f"warning: skipping training clip {self.clips[i].path}: {why}", file=sys.stderr, flush=True)
        self.p[i] = 0.0
        total = self.p.sum()
        if total <= 0:
            raise TrainingDataError("no readable training clip is left (every clip was unreadable or non-finite)")
        self.p = self.p / total

    def _draw(self, n: int) -> np.ndarray:
        while True:
            i = int(self.rng.choice(len(self.clips), p=self.p))
            try:
                x = self._read(self.clips[i], n)
            except (sf.LibsndfileError, RuntimeError, ValueError, OSError, EOFError) as e:
                self._skip(i, str(e).strip().splitlines()[0][:120] if str(e).strip() else type(e).__name__)
                continue
            if not np.isfinite(x).all():
                self._skip(i, "NaN/inf samples")
                continue
            return x

    def crop(self) -> np.ndarray:
        n = int(round(self.cfg.seconds * self.cfg.sample_rate))
        for _ in range(8):
            x = self._draw(n)
            rms = float(np.sqrt(np.mean(x * x) + 1e-12))
            if 20 * np.log10(rms) > self.cfg.min_dbfs:
                break
        target = self.rng.uniform(*self.cfg.target_dbfs)
        x = x * (10 ** (target / 20) / rms)
        peak = np.abs(x).max()
        if peak > 0.99:
            x = x * (0.99 / peak)
        if self.cfg.polarity_flip and self.rng.random() < 0.5:
            x = -x
        return x.astype(np.float32)

    def batch(self, batch_size: int) -> np.ndarray:
        return np.stack([self.crop() for _ in range(batch_size)])[:, None, :]

    def state_dict(self) -> dict:
        return {"rng": self.rng.bit_generator.state, "skipped": sorted(self.skipped)}

    def load_state_dict(self, state: dict) -> None:
        self.rng.bit_generator.state = state["rng"]
        for i in state.get("skipped", []):
            if 0 <= i < len(self.clips):
                self.skipped.add(i)
                self.p[i] = 0.0
        if self.p.sum() > 0:
            self.p = self.p / self.p.sum()
