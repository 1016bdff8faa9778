"""Resource and range limits on untrusted input, defined once and read by every validation layer.

`F3EDGE_MAX_SECONDS` (environment) raises or lowers the longest audio, and so the most latent frames,
one call accepts."""
from __future__ import annotations

import os

MIN_SAMPLE_RATE = 4000          # below this no speech codec input makes sense (a 1 Hz header is an attack)
MAX_SAMPLE_RATE = 384000
MAX_ABS_SAMPLE = 1e3            # float audio is nominally within [-1, 1]; beyond this it is not audio
MAX_ABS_LATENT = 1e3            # normalized latents have unit variance per frame
DEFAULT_MAX_SECONDS = 4 * 3600.0


def max_seconds() -> float:
    try:
        v = float(os.environ.get("F3EDGE_MAX_SECONDS", DEFAULT_MAX_SECONDS))
    except ValueError:
        return DEFAULT_MAX_SECONDS
    return v if v > 0 else DEFAULT_MAX_SECONDS


def max_frames(frame_rate: float = 25.0) -> int:
    return int(max_seconds() * frame_rate) + 1
