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



# Per-channel symmetric int8 weights. Constants of at most W8_WEIGHT_THRESHOLD elements stay fp16 (coremltools
# compresses only larger ones): that keeps the factorized DFT's matrices (<= 2048 elements each) exact.
W8_WEIGHT_THRESHOLD = 2048
W8_CONFIG = {"mode": "linear_symmetric", "dtype": "int8", "granularity": "per_channel",
             "weight_threshold": W8_WEIGHT_THRESHOLD}


def preflight(precision: str) -> None:
    """Checks that need no conversion; the export pipeline runs them before any work."""
    import platform
    from f3edge.errors import F3EdgeInputError
    if precision == "w8a8" and platform.system() != "Darwin":
        raise F3EdgeInputError(f"Core ML W8A8 calibrates by running the model, which coremltools can do only on "
                               f"macOS (this is {platform.system()}); export --precision int8 (W8) here, w8a8 on a Mac")


def _quantize_activations(mlmodel, step: torch.nn.Module, calib: list[list[np.ndarray]]):
    """W8A8: int8 activations calibrated on real streaming-step inputs (macOS only: needs predictions)."""
    from coremltools.optimize.coreml import OptimizationConfig
    from coremltools.optimize.coreml.experimental import OpActivationLinearQuantizerConfig, linear_quantize_activations
    names = [t.name for t in step.io()[0]]
    samples = [dict(zip(names, s)) for s in calib[:256]]
    cfg = OptimizationConfig(global_config=OpActivationLinearQuantizerConfig(mode="linear_symmetric"))
    return linear_quantize_activations(mlmodel, cfg, samples)


def build(step: torch.nn.Module, out: Path, name: str, precision: str, calib: list[list[np.ndarray]] | None,
          recipe: str = "trunk") -> dict:
    import coremltools as ct
    inputs, outputs = step.io()
    ep = torch.export.export(step.eval(), example_inputs(step)).run_decompositions({})
    mlmodel = ct.convert(ep, convert_to="mlprogram", minimum_deployment_target=ct.target.iOS17,
                         compute_precision=ct.precision.FLOAT16,
                         inputs=[ct.TensorType(name=t.name, shape=t.shape, dtype=np.float32) for t in inputs],
                         outputs=[ct.TensorType(name=t.name, dtype=np.float32) for t in outputs])
    if precision in ("int8", "w8a8"):
        from coremltools.optimize.coreml import OpLinearQuantizerConfig, OptimizationConfig, linear_quantize_weights
        cfg = OptimizationConfig(global_config=OpLinearQuantizerConfig(**W8_CONFIG))
        mlmodel = linear_quantize_weights(mlmodel, config=cfg)
    if precision == "w8a8":
        mlmodel = _quantize_activations(mlmodel, step, calib)
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


def package_weights(path: Path) -> list[np.ndarray]:
    """The exact dequantized weights the device will use: every constexpr_affine_dequantize of the saved
    package's MIL program, materialized on Linux."""
    import coremltools as ct
    from coremltools.converters.mil.frontend.milproto.load import load as load_mil
    model = ct.models.MLModel(str(path), skip_model_load=True)
    spec = model.get_spec()
    prog = load_mil(spec, specification_version=spec.specificationVersion, file_weights_dir=model.weights_dir)
    return [np.asarray(op.materialized_val_inference(), np.float32) for op in prog.functions["main"].operations
            if op.op_type.startswith("constexpr_") and "dequantize" in op.op_type]


def _candidates(step: torch.nn.Module):
    """(weight parameter, multiplier) pairs the converter may have emitted; Core ML folds each block's
    residual scale `gamma` into the preceding 1x1 conv, so those appear as gamma * W."""
    out = []
    for m in step.modules():
        w = getattr(m, "weight", None)
        if isinstance(w, torch.nn.Parameter) and w.dim() >= 2:
            out.append((w, None))
        gamma = getattr(m, "gamma", None)
        if gamma is not None and hasattr(m, "pw2"):
            out.append((m.pw2.weight, gamma.detach()[:, :, None] if gamma.dim() == 2 else gamma.detach()))
    # the fixed DFT bases are weights to Core ML too: W8 applies to them
    out += [(b, None) for name, b in step.named_buffers() if name.endswith("basis")]
    return out


def simulate(step: torch.nn.Module, precision: str, package: Path | None = None) -> torch.nn.Module:
    """A PyTorch stand-in for what the device computes: fp16 arithmetic, and for int8 the W8 weights
    materialized from the saved package itself (matched to parameters by shape and value)."""
    sim = copy.deepcopy(step)
    sim.w8_matched = (0, 0)
    if precision == "int8" and package is None:    # no package to read back: quantize like the converter
        with torch.no_grad():
            for w, mult in _candidates(sim):
                if mult is None and w.numel() > W8_WEIGHT_THRESHOLD:
                    scale = w.abs().amax(dim=tuple(range(1, w.dim())), keepdim=True).clamp_min(1e-12) / 127
                    w.copy_(torch.round(w / scale).clamp(-127, 127) * scale)
    if precision == "int8" and package is not None:
        deq = package_weights(package)
        cands = _candidates(sim)
        matched = 0
        with torch.no_grad():
            for d in deq:
                dt = torch.from_numpy(d)
                best, best_err = None, 0.1       # a W8 copy is within 1-3 % of its weight, another weight ~70 %+
                for w, mult in cands:
                    if tuple(w.shape) != tuple(dt.shape):
                        continue
                    ref = w * mult if mult is not None else w
                    err = float((ref - dt).norm() / ref.norm().clamp_min(1e-12))
                    if err < best_err:
                        best, best_err = (w, mult), err
                if best is not None:
                    w, mult = best
                    w.copy_(dt / mult if mult is not None else dt)
                    matched += 1
        sim.w8_matched = (matched, len(deq))
    wrapped = _Fp16(sim)
    wrapped.w8_matched = sim.w8_matched
    return wrapped


class _Fp16(torch.nn.Module):
    def __init__(self, step):
        super().__init__()
        self.step = step.half()

    def forward(self, *xs):
        return tuple(o.float() for o in self.step(*[x.half() for x in xs]))

    def io(self):
        return self.step.io()
