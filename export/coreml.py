"""Core ML `.mlpackage` (mlprogram, iOS 17): fp16 compute, or W8 per-channel weights.

coremltools converts on Linux but cannot run predictions here, so the check on Linux is structural
(the package's declared I/O against the manifest) plus a numeric simulation in PyTorch of what the
device computes: fp16 arithmetic (the Neural Engine's precision) and int8 per-channel weights.
"""
from __future__ import annotations

import copy
from pathlib import Path

import numpy as np
import torch

from .steps import example_inputs

TARGET = {"target": "coreml", "runtime": "coreml", "ext": ".mlpackage", "precisions": ("fp16", "int8")}


def build(step: torch.nn.Module, out: Path, name: str, precision: str, calib: list[list[np.ndarray]] | None) -> dict:
    import coremltools as ct
    inputs, outputs = step.io()
    ep = torch.export.export(step.eval(), example_inputs(step)).run_decompositions({})
    mlmodel = ct.convert(ep, convert_to="mlprogram", minimum_deployment_target=ct.target.iOS17,
                         compute_precision=ct.precision.FLOAT16,
                         inputs=[ct.TensorType(name=t.name, shape=t.shape, dtype=np.float32) for t in inputs],
                         outputs=[ct.TensorType(name=t.name, dtype=np.float32) for t in outputs])
    if precision == "int8":
        from coremltools.optimize.coreml import OpLinearQuantizerConfig, OptimizationConfig, linear_quantize_weights
        cfg = OptimizationConfig(global_config=OpLinearQuantizerConfig(mode="linear_symmetric", dtype="int8",
                                                                       granularity="per_channel"))
        mlmodel = linear_quantize_weights(mlmodel, config=cfg)
    path = out / f"{name}.mlpackage"
    mlmodel.save(str(path))
    return {"file": path.name, "spec": check_spec(path, inputs, outputs), "ops": op_summary(mlmodel)}


def check_spec(path: Path, inputs, outputs) -> dict:
    """Reload the saved package (without a Core ML runtime) and compare its declared I/O with ours."""
    import coremltools as ct
    spec = ct.models.MLModel(str(path), skip_model_load=True).get_spec()
    declared = {i.name: list(i.type.multiArrayType.shape) for i in spec.description.input}
    problems = [t.name for t in inputs if declared.get(t.name) != list(t.shape)]
    out_names = [o.name for o in spec.description.output]
    problems += [t.name for t in outputs if t.name not in out_names]
    if problems:
        raise RuntimeError(f"{path.name}: Core ML I/O does not match the step spec: {problems}")
    return {"inputs": len(declared), "outputs": len(out_names), "io_matches_manifest": True}


def op_summary(mlmodel) -> dict:
    prog = mlmodel._mil_program
    counts: dict[str, int] = {}
    if prog is not None:
        for op in prog.functions["main"].operations:
            counts[op.op_type] = counts.get(op.op_type, 0) + 1
    return {"ops": sum(counts.values()), "op_types": dict(sorted(counts.items()))}


def simulate(step: torch.nn.Module, precision: str) -> torch.nn.Module:
    """A PyTorch stand-in for what the device computes: fp16 everywhere, W8 weights for int8."""
    sim = copy.deepcopy(step)
    if precision == "int8":
        with torch.no_grad():
            for m in sim.modules():
                w = getattr(m, "weight", None)
                if isinstance(w, torch.nn.Parameter) and w.dim() >= 2:
                    scale = w.abs().amax(dim=tuple(range(1, w.dim())), keepdim=True).clamp_min(1e-12) / 127
                    w.copy_(torch.round(w / scale).clamp(-127, 127) * scale)
    return _Fp16(sim)


class _Fp16(torch.nn.Module):
    def __init__(self, step):
        super().__init__()
        self.step = step.half()

    def forward(self, *xs):
        return tuple(o.float() for o in self.step(*[x.half() for x in xs]))

    def io(self):
        return self.step.io()
