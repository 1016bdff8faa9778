import os
from pathlib import Path

import numpy as np
import pytest
import torch

torch.set_num_threads(min(2, os.cpu_count() or 1))

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
DEV = SHARED / "data" / "dev"


def chunk_sizes(draw_sizes, total: int, multiple: int) -> list[int]:
    """Turn a list of drawn positive ints into chunk lengths (multiples of `multiple`) covering `total`."""
    out, left = [], total
    for s in draw_sizes:
        if left <= 0:
            break
        n = min(left, max(1, s) * multiple)
        out.append(n)
        left -= n
    if left > 0:
        out.append(left)
    return out


def rel_err(a: torch.Tensor, b: torch.Tensor) -> float:
    a, b = a.detach(), b.detach()
    return float((a - b).abs().max() / b.abs().max().clamp_min(1e-12))


@pytest.fixture(scope="session")
def speech_16k() -> np.ndarray:
    """A real speech clip bundled with the package (CMU ARCTIC a0007), 16 kHz mono."""
    import soundfile as sf
    from f3edge.samples_path import sample
    x, sr = sf.read(sample(), dtype="float32")
    assert sr == 16000
    return x


@pytest.fixture(scope="session")
def tok():
    import f3edge
    return f3edge.load()
