"""TFLite / LiteRT via litert-torch (fp32), int8 through ai-edge-quantizer on the fp32 flatbuffer.

LiteRT needs fixed shapes: the streaming steps are exactly that. int8 uses dynamic-range weights
(`dynamic_wi8_afp32`): static int8 measured lossier, and PT2E inside litert-torch leaves
transposed-conv weights float.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from .steps import convert_then_quantize, example_inputs



def available() -> bool:
    try:
        import litert_torch  # noqa: F401
        return True
    except ImportError:
        return False


def _convert(step: torch.nn.Module, path: Path) -> None:
    import litert_torch
    litert_torch.convert(step.eval(), example_inputs(step)).export(str(path))


TRUNK_SCOPE = r"(torch\.nn\.modules\.conv|LatentNorm|SpectralHead)"       # learned convs
BASIS_SCOPE = r"^f3edge\.export\.steps\.(Encoder|Decoder)Step;\d+"           # no module path: the bases


def _has_dense_basis(step: torch.nn.Module) -> bool:
    return any(name.endswith("basis") for name, _ in step.named_buffers())


def _quantize(fp32: Path, out: Path, dense_basis: bool) -> None:
    from ai_edge_quantizer import qtyping, quantizer
    from f3edge.export.pipeline import ExportError
    any_op = qtyping.TFLOperationName.ALL_SUPPORTED
    q = quantizer.Quantizer(str(fp32))
    q.add_dynamic_config(TRUNK_SCOPE, any_op, 8)
    if dense_basis:    # a factorized-FFT model's few DFT constants stay float
        q.add_weight_only_config(BASIS_SCOPE, any_op, 8)
    q.quantize().export_model(str(out), overwrite=True)
    if out.stat().st_size > 0.6 * fp32.stat().st_size:   # the scopes matched nothing: op names changed
        raise ExportError(f"tflite int8: the quantization scopes matched too few ops "
                          f"({out.stat().st_size} of {fp32.stat().st_size} bytes left); litert-torch naming changed?")


def build(step: torch.nn.Module, out: Path, name: str, precision: str, calib: list[list[np.ndarray]] | None,
          recipe: str = "trunk") -> dict:
    path = out / f"{name}.tflite"
    dense = _has_dense_basis(step)
    convert_then_quantize(path, lambda p: _convert(step, p), lambda fp32, p: _quantize(fp32, p, dense), precision)
    recipe_name = "trunk dynamic_wi8_afp32" + (" + bases weight_only_wi8" if dense else "")
    return {"file": path.name, "recipe": "fp32" if precision == "fp32" else recipe_name}
