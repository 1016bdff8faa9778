"""Augmentation of the frozen-LM objective's training clips. The transcribed clips are few (hundreds of
English prompts) and the encoder memorizes them: without it the training LM loss falls to ~0.06 while the
held-out loss stays near 1.7, and once the LM loss is ~0 only RQ-MTP still shapes the features. Standard
ASR remedies, each off by default:

* speed perturbation of the audio (resampled by a factor in [1 - r, 1 + r]; the text is unchanged);
* voice perturbation: Praat's "Change gender" (PSOLA, through parselmouth) moves the formants and the pitch
  median apart from the tempo, so one synthetic voice sounds like a spread of speakers. Speed perturbation
  moves all three together. `voice_share` applies it to a share of the clips only (a smaller dose);
* SpecAugment-style masks on the frozen latents the encoder reads: time spans and channel bands set to 0,
  the mean of the channel-normalized latents.

Held-out scoring never sees any of them (it reads `TranscribedClips.batch_of`, not `batch`).
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
    formant_shift: float = 0.0  # r: formant frequencies scaled by a ratio drawn from [1 - r, 1 + r]; 0 = off
    pitch_shift: float = 0.0    # s: pitch median moved by up to +-s semitones (drawn uniformly); 0 = off
    voice_share: float = 1.0    # p: share of the drawn clips that get the voice perturbation (each with chance p)

    def __post_init__(self):
        if not 0.0 <= self.speed < 0.5:
            raise ValueError(f"lm_speed_perturb must be in [0, 0.5), not {self.speed!r}")
        if not 0.0 <= self.formant_shift < 0.5:
            raise ValueError(f"lm_formant_shift must be in [0, 0.5), not {self.formant_shift!r}")
        if not 0.0 <= self.pitch_shift <= 12.0:
            raise ValueError(f"lm_pitch_shift must be in [0, 12] semitones, not {self.pitch_shift!r}")
        if not 0.0 < self.voice_share <= 1.0:
            raise ValueError(f"lm_voice_share must be in (0, 1], not {self.voice_share!r}")
        if self.voice_share < 1 and not self.voice:
            raise ValueError("lm_voice_share needs lm_formant_shift or lm_pitch_shift (a share of no perturbation)")
        for name in ("time_masks", "time_mask_frames", "channel_masks", "channel_mask_width"):
            if getattr(self, name) < 0:
                raise ValueError(f"lm_{name} must be >= 0")

    @property
    def voice(self) -> bool:
        return self.formant_shift > 0 or self.pitch_shift > 0

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


def require_voice_perturbation() -> None:
    """Raise ImportError (one line) unless parselmouth, which voice perturbation runs on, is installed."""
    import importlib.util
    if importlib.util.find_spec("parselmouth") is None:
        raise ImportError("lm_formant_shift / lm_pitch_shift need `pip install praat-parselmouth==0.4.7` "
                          "(the synth extra)")


# Praat's pitch search range for "Change gender": wide enough for children's and low male voices alike
PITCH_FLOOR_HZ, PITCH_CEILING_HZ = 75.0, 600.0
# shorter clips are left as they are: Praat's pitch analysis needs a few periods of the floor pitch
SHORTEST_VOICE_PERTURB_S = 0.1


def pitch_median_hz(sound) -> float:
    """The median pitch (Hz) of a parselmouth Sound's voiced frames; NaN when none is voiced."""
    from parselmouth.praat import call
    pitch = sound.to_pitch(pitch_floor=PITCH_FLOOR_HZ, pitch_ceiling=PITCH_CEILING_HZ)
    return call(pitch, "Get quantile", 0, 0, 0.5, "Hertz")


def voice_perturb(x: np.ndarray, formant_ratio: float, pitch_factor: float, sample_rate: int) -> np.ndarray:
    """The clip with its formants scaled by `formant_ratio` and its pitch median by `pitch_factor`, same length
    (Praat's "Change gender"). A clip with no voiced frame keeps its pitch."""
    if (formant_ratio == 1.0 and pitch_factor == 1.0) or len(x) < SHORTEST_VOICE_PERTURB_S * sample_rate:
        return x
    import warnings
    import parselmouth
    from parselmouth.praat import call
    sound = parselmouth.Sound(x.astype(np.float64), sampling_frequency=sample_rate)
    median = pitch_median_hz(sound)
    new_median = median * pitch_factor if np.isfinite(median) else 0.0   # 0: Praat keeps the pitch
    with warnings.catch_warnings():   # "no voiced segments": the formants still move, the pitch is kept
        warnings.simplefilter("ignore", parselmouth.PraatWarning)
        changed = call(sound, "Change gender", PITCH_FLOOR_HZ, PITCH_CEILING_HZ, formant_ratio, new_median,
                       1.0, 1.0)
    y = changed.values[0, : len(x)].astype(np.float32)
    return np.clip(np.pad(y, (0, len(x) - len(y))), -1.0, 1.0)


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
