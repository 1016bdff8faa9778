"""What every streaming session shares (the tokenizer's eager sessions and the runtimes' artifact sessions):
context-manager use, refusing pushes after flush, and dropping a known number of leading outputs
(lookahead warm-up frames, synthesis-delay samples)."""
from __future__ import annotations

import numpy as np


class StreamSession:
    closed = False

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.closed = True
        return False

    def _check_open(self) -> None:
        if self.closed:
            raise RuntimeError("stream already flushed")


def drop_leading(y: np.ndarray, to_skip: int) -> tuple[np.ndarray, int]:
    """Drop up to `to_skip` leading items of `y`; return the rest and how many are still to skip."""
    drop = min(to_skip, len(y))
    return y[drop:], to_skip - drop
