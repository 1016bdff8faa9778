"""The eager PyTorch student as a benchmark "runtime": fp32, and int8 as the PT2E-quantized graph that the
XNNPACK export lowers (same recipe and calibration), executed by PyTorch's reference quantized ops.

It answers "what does int8 cost in accuracy before any runtime is involved"; its speed is that of
reference kernels (quantize/dequantize around float convs), not of an int8 engine.
"""
from __future__ import annotations

from pathlib import Path

import torch


def torch_steps(tok, precision: str, steps: dict[str, torch.nn.Module]) -> dict[str, torch.nn.Module]:
    """`steps` (the eager EncoderStep/DecoderStep), or their PT2E-quantized graphs for int8."""
    if precision == "fp32":
        return steps
    if precision != "int8":
        raise ValueError(precision)
    from f3edge.export.executorch import quantize_pt2e
    from f3edge.export.pipeline import calibration_inputs, calibration_clips
    calib = calibration_inputs(tok, calibration_clips(tok, None))
    return {p: quantize_pt2e(steps[p], calib[p], p, "trunk") for p in steps}


def torch_artifact(tok, precision: str):
    """A runtimes.Artifact over the eager steps (streaming push/flush like any exported artifact)."""
    from f3edge.export.pipeline import build_manifest
    from f3edge.export.steps import DecoderStep, EncoderStep
    from f3edge.runtimes.session import Artifact
    from f3edge.runtimes.torch_runner import TorchRunner
    eager = {"encoder": EncoderStep(tok.model), "decoder": DecoderStep(tok.model)}
    runnable = torch_steps(tok, precision, eager)
    manifest = build_manifest(tok, "torch", "torch", precision, {p: {"file": ""} for p in eager}, eager)
    return Artifact(Path("."), manifest, lambda _p, _m, part: TorchRunner(runnable[part]))
