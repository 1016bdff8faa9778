"""Core ML step runner: predictions need macOS; elsewhere it refuses with a clear message."""
from __future__ import annotations

import platform
from pathlib import Path

import numpy as np

from .manifest import ManifestError


class CoreMLRunner:
    def __init__(self, path: Path, part: dict, threads: int = 0):
        if platform.system() != "Darwin":
            raise ManifestError(f"{path}: Core ML models run only on macOS/iOS (this is {platform.system()}); "
                                "use the ExecuTorch, ONNX or LiteRT artifacts here")
        import coremltools as ct
        self.model = ct.models.MLModel(str(path))
        self.names = [t["name"] for t in part["inputs"]]
        self.out_names = [t["name"] for t in part["outputs"]]

    def run(self, inputs: list[np.ndarray]) -> list[np.ndarray]:
        out = self.model.predict(dict(zip(self.names, inputs)))
        return [np.asarray(out[n], np.float32) for n in self.out_names]
