"""ExecuTorch `.pte` with the Core ML delegate: lowered here on Linux, runs on Apple devices.

The Core ML backend is not registered in Linux ExecuTorch builds, so the parity gate uses the same
PyTorch simulation as the Core ML target (fp16 arithmetic; W8 weights quantized per channel the way the
delegate's `op_linear_quantizer_config` does)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from .coreml import W8_CONFIG
from .executorch import delegation_summary
from .steps import example_inputs



def build(step: torch.nn.Module, out: Path, name: str, precision: str, calib: list[list[np.ndarray]] | None,
          recipe: str = "trunk") -> dict:
    import coremltools as ct
    from executorch.backends.apple.coreml.compiler import CoreMLBackend
    from executorch.backends.apple.coreml.partition import CoreMLPartitioner
    from executorch.exir import to_edge_transform_and_lower
    kwargs = {}
    if precision == "int8":
        kwargs["op_linear_quantizer_config"] = dict(W8_CONFIG)
    specs = CoreMLBackend.generate_compile_specs(compute_precision=ct.precision.FLOAT16,
                                                 minimum_deployment_target=ct.target.iOS17, **kwargs)
    ep = torch.export.export(step.eval(), example_inputs(step))
    edge = to_edge_transform_and_lower(ep, partitioner=[CoreMLPartitioner(compile_specs=specs)])
    summary = delegation_summary(edge.exported_program().graph_module)
    path = out / f"{name}.pte"
    path.write_bytes(edge.to_executorch().buffer)
    return {"file": path.name, "delegation": summary}
