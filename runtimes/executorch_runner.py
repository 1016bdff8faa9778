"""ExecuTorch step runner (the portable runtime with the XNNPACK delegate, as on a phone)."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from .manifest import ManifestError


class ExecuTorchRunner:
    def __init__(self, path: Path, part: dict, threads: int = 0):
        import torch
        from executorch.runtime import Runtime
        try:
            program = Runtime.get().load_program(str(path))
            self.method = program.load_method("forward")
        except Exception as e:  # noqa: BLE001
            raise ManifestError(f"{path}: ExecuTorch cannot load it ({str(e).splitlines()[0][:160]})") from None
        meta = self.method.metadata
        if meta.num_inputs() != len(part["inputs"]):
            raise ManifestError(f"{path}: program takes {meta.num_inputs()} inputs, manifest lists {len(part['inputs'])}")
        for i, t in enumerate(part["inputs"]):
            sizes = list(meta.input_tensor_meta(i).sizes())
            if sizes != t["shape"]:
                raise ManifestError(f"{path}: input {t['name']} is {sizes} in the program but {t['shape']} in the manifest")
        self.torch = torch

    def run(self, inputs: list[np.ndarray]) -> list[np.ndarray]:
        outs = self.method.execute([self.torch.from_numpy(np.ascontiguousarray(x)) for x in inputs])
        return [o.numpy() for o in outs]
