"""LiteRT (TFLite) step runner. Signature inputs are ordered by their numeric suffix (args_0, args_1,
..., args_10), never as sorted strings; quantized I/O is (de)quantized with each tensor's parameters.

Thread safety: a LiteRT interpreter holds its input/output tensors in itself, so two threads running one
interpreter overwrite each other's inputs (wrong or NaN results). Each runner serializes its calls with
a lock: sharing one artifact between threads is safe (the calls run one at a time)."""
from __future__ import annotations

import re
import threading
from pathlib import Path

import numpy as np

from .manifest import ManifestError


def _index(name: str) -> int:
    m = re.search(r"(\d+)$", name)
    return int(m.group(1)) if m else 0


class LiteRTRunner:
    def __init__(self, path: Path, part: dict, threads: int = 0):
        from ai_edge_litert.interpreter import Interpreter
        try:
            self.interp = Interpreter(model_path=str(path), num_threads=threads or None)
        except Exception as e:  # noqa: BLE001
            raise ManifestError(f"{path}: LiteRT cannot load it ({str(e).splitlines()[0][:160]})") from None
        try:
            sigs = self.interp.get_signature_list()
            if len(sigs) != 1:
                raise ValueError(f"{len(sigs)} signatures, expected 1")
            self.runner = self.interp.get_signature_runner(next(iter(sigs)))
            in_details = self.runner.get_input_details()
            out_details = self.runner.get_output_details()
        except Exception as e:  # noqa: BLE001
            raise ManifestError(f"{path}: LiteRT cannot load it ({str(e).splitlines()[0][:160] if str(e) else type(e).__name__})") from None
        self.in_names = sorted(in_details, key=_index)
        self.out_names = sorted(out_details, key=_index)
        self.in_details, self.out_details = in_details, out_details
        self.lock = threading.Lock()
        if len(self.in_names) != len(part["inputs"]):
            raise ManifestError(f"{path}: model takes {len(self.in_names)} inputs, manifest lists {len(part['inputs'])}")
        if len(self.out_names) != len(part["outputs"]):
            raise ManifestError(f"{path}: model gives {len(self.out_names)} outputs, manifest lists {len(part['outputs'])}")
        for name, t in zip(self.in_names, part["inputs"]):
            shape = [int(v) for v in in_details[name]["shape"]]
            if shape != t["shape"]:
                raise ManifestError(f"{path}: input {t['name']} is {shape} in the model but {t['shape']} in the manifest")

    @staticmethod
    def _quantize(x: np.ndarray, d: dict) -> np.ndarray:
        if d["dtype"] == np.float32:
            return x.astype(np.float32)
        scale, zero = d["quantization"]
        info = np.iinfo(d["dtype"])
        return np.clip(np.round(x / scale + zero), info.min, info.max).astype(d["dtype"])

    @staticmethod
    def _dequantize(x: np.ndarray, d: dict) -> np.ndarray:
        if x.dtype == np.float32:
            return x
        scale, zero = d["quantization"]
        return ((x.astype(np.float32) - zero) * scale).astype(np.float32)

    def run(self, inputs: list[np.ndarray]) -> list[np.ndarray]:
        feed = {n: self._quantize(x, self.in_details[n]) for n, x in zip(self.in_names, inputs)}
        with self.lock:
            out = self.runner(**feed)
            return [self._dequantize(np.array(out[n], copy=True), self.out_details[n]) for n in self.out_names]
