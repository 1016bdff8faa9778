"""ExecuTorch `.pte` with the XNNPACK delegate (fp32; int8 through PT2E static quantization)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from .steps import example_inputs



def quantize_pt2e(step: torch.nn.Module, calib: list[list[np.ndarray]], part: str, recipe: str) -> torch.nn.Module:
    from executorch.backends.xnnpack.quantizer.xnnpack_quantizer import (XNNPACKQuantizer,
                                                                         get_symmetric_quantization_config)
    from torchao.quantization.pt2e.quantize_pt2e import convert_pt2e, prepare_pt2e
    from f3edge.quantization.recipes import trunk_node_filter
    graph = torch.export.export(step, example_inputs(step)).module()
    config = get_symmetric_quantization_config(is_per_channel=True)
    quantizer = XNNPACKQuantizer()
    if recipe == "trunk":   # only the learned convolutions; pointwise math and the DFT bases stay float
        for op in (torch.ops.aten.conv1d.default, torch.ops.aten.conv_transpose1d.default):
            quantizer.set_operator_type(op, config)
        quantizer.set_filter_function(trunk_node_filter(graph))
    else:
        quantizer.set_global(config)
    prepared = prepare_pt2e(graph, quantizer)
    with torch.no_grad():
        for sample in calib:
            prepared(*[torch.from_numpy(np.ascontiguousarray(a)) for a in sample])
    return convert_pt2e(prepared)


def delegation_summary(edge_gm) -> dict:
    from executorch.devtools.backend_debug import get_delegation_info
    info = get_delegation_info(edge_gm)
    non_delegated = {}
    for op, row in info.delegation_by_operator.items():
        if row.non_delegated > 0 and op != "getitem":   # getitem only unpacks delegate outputs
            non_delegated[op] = row.non_delegated
    return {"delegated_nodes": info.num_delegated_nodes, "non_delegated_nodes": info.num_non_delegated_nodes,
            "delegate_subgraphs": info.num_delegated_subgraphs, "non_delegated_ops": non_delegated}


def build(step: torch.nn.Module, out: Path, name: str, precision: str, calib: list[list[np.ndarray]] | None,
          recipe: str = "trunk") -> dict:
    from executorch.backends.xnnpack.partition.xnnpack_partitioner import XnnpackPartitioner
    from executorch.exir import to_edge_transform_and_lower
    module = quantize_pt2e(step, calib, name, recipe) if precision == "int8" else step
    ep = torch.export.export(module, example_inputs(step))
    edge = to_edge_transform_and_lower(ep, partitioner=[XnnpackPartitioner()])
    summary = delegation_summary(edge.exported_program().graph_module)
    program = edge.to_executorch()
    path = out / f"{name}.pte"
    path.write_bytes(program.buffer)
    return {"file": path.name, "delegation": summary, **({"int8_recipe": recipe} if precision == "int8" else {})}
