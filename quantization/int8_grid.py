"""Weights that already lie on a symmetric int8 grid (the DFT bases of models with `basis_bits=8`) are
stored as int8 + scale and dequantized to the very same float values: a quarter of the bytes, no error.

`find_int8_grid` recovers the grid (per row along axis 0, or per tensor) and refuses a weight that is not
exactly on one, so an exporter never silently adds quantization error to the fixed front-end.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

LEVELS = 127


@dataclass(frozen=True)
class Int8Grid:
    values: np.ndarray      # int8, same shape as the weight
    scale: np.ndarray       # float32: shape (rows,) per row along axis 0, or () per tensor
    per_row: bool

    def dequantize(self) -> np.ndarray:
        scale = self.scale.reshape((-1,) + (1,) * (self.values.ndim - 1)) if self.per_row else self.scale
        return (self.values.astype(np.float32) * scale).astype(np.float32)


def find_int8_grid(weight: np.ndarray, rtol: float = 1e-6) -> Int8Grid | None:
    w = np.asarray(weight, dtype=np.float32)
    for per_row in (True, False):
        axes = tuple(range(1, w.ndim)) if per_row else None
        peak = np.abs(w).max(axis=axes, keepdims=per_row)
        scale = np.where(peak > 0, peak / LEVELS, 1.0).astype(np.float32)
        q = np.clip(np.round(w / scale), -LEVELS, LEVELS).astype(np.int8)
        grid = Int8Grid(q, scale.reshape(-1) if per_row else np.float32(scale), per_row)
        if np.abs(grid.dequantize() - w).max() <= rtol * max(float(np.abs(w).max()), 1e-30):
            return grid
    return None
