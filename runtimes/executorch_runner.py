"""ExecuTorch step runner (the portable runtime with the XNNPACK delegate, as on a phone)."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from . import native_stderr
from .manifest import ManifestError


PTE_MAGIC = b"ET"          # flatbuffer file identifier "ETnn" at bytes 4-8 of every .pte
MIN_PTE_BYTES = 64


def check_pte_header(path: Path) -> None:
    """ExecuTorch's loader aborts the whole process on some malformed files: look before it does."""
    size = path.stat().st_size
    with open(path, "rb") as f:
        head = f.read(8)
    if size < MIN_PTE_BYTES or head[4:6] != PTE_MAGIC or not head[6:8].isdigit():
        raise ManifestError(f"{path}: not an ExecuTorch program (bad header)")


class ExecuTorchRunner:
    def __init__(self, path: Path, part: dict, threads: int = 0):
        import torch
        check_pte_header(path)
        with native_stderr.captured() as noise:   # import and load print cpuinfo/torchao lines on fd 2
            try:
                from executorch.runtime import Runtime
                program = Runtime.get().load_program(str(path))
                self.method = program.load_method("forward")
                error = None
            except Exception as e:  # noqa: BLE001
                error = str(e).splitlines()[0][:160] if str(e) else type(e).__name__
        if error is not None:
            raise ManifestError(f"{path}: ExecuTorch cannot load it ({error}; {noise.last_line()})") from None
        meta = self.method.metadata
        if meta.num_inputs() != len(part["inputs"]):
            raise ManifestError(f"{path}: program takes {meta.num_inputs()} inputs, manifest lists {len(part['inputs'])}")
        if meta.num_outputs() != len(part["outputs"]):
            raise ManifestError(f"{path}: program gives {meta.num_outputs()} outputs, manifest lists {len(part['outputs'])}")
        for i, t in enumerate(part["inputs"]):
            sizes = list(meta.input_tensor_meta(i).sizes())
            if sizes != t["shape"]:
                raise ManifestError(f"{path}: input {t['name']} is {sizes} in the program but {t['shape']} in the manifest")
        self.torch = torch

    def run(self, inputs: list[np.ndarray]) -> list[np.ndarray]:
        outs = self.method.execute([self.torch.from_numpy(np.ascontiguousarray(x)) for x in inputs])
        return [o.numpy() for o in outs]
