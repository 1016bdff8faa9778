"""int8 recipes per backend: which parts stay float.

The fixed DFT front-end (STFT analysis and its log-power features) and back-end (the polar head and the
overlap-add iSTFT) carry audio-rate dynamic range; the learned trunk is what int8 is for. Recipes:
  "all"      quantize every conv, the DFT bases included (smallest artifact)
  "trunk"    keep the DFT front/back-end in float, quantize the learned trunk (most accurate)
"""
from __future__ import annotations


# Fixed-weight convolutions that stay float in the PT2E "trunk" recipe: the DFT bases (audio-rate dynamic
# range) and the channel-norm variance (it sums squares). The channel-norm *mean* conv is quantized: it is
# exact in int8 (all weights 1/D), and XNNPACK cannot compile a float conv1d fed by a dequantized tensor
# (the encoder's last learned conv feeds it): "Failed to create squeeze node".
FLOAT_CONV_WEIGHTS = ("basis", "var_w")


def _is_quantized_conv(node) -> bool:
    target = str(getattr(node, "target", ""))
    if "conv" not in target or len(node.args) < 2:
        return False
    weight = node.args[1]
    if getattr(weight, "op", None) != "get_attr":
        return False
    return not any(key in str(weight.target) for key in FLOAT_CONV_WEIGHTS)


def trunk_node_filter(graph_module):
    """PT2E filter for the "trunk" recipe (used with conv-only operator configs): leave out the fixed
    convolutions named in FLOAT_CONV_WEIGHTS. (Module names cannot select nodes here: the streaming `step`
    methods are not `forward`, so torch.export records no module path for most of them.)"""
    nodes = list(graph_module.graph.nodes)
    fixed = {n.name for n in nodes if n.op == "call_function" and "conv" in str(n.target)
             and not _is_quantized_conv(n)}
    return lambda n: n.name not in fixed


def onnx_nodes_to_exclude(model_path, recipe: str) -> list[str]:
    """ONNX nodes outside the learned trunk: everything before the first and after the last conv whose
    weight is a trained parameter (named *.weight), plus any node reading a fixed basis."""
    if recipe == "all":
        return []
    import onnx
    graph = onnx.load(str(model_path)).graph
    learned = [i for i, n in enumerate(graph.node) if n.op_type in ("Conv", "ConvTranspose")
               and len(n.input) > 1 and n.input[1].endswith(".weight")]
    if not learned:
        return []
    first, last = learned[0], learned[-1]
    return [n.name for i, n in enumerate(graph.node)
            if i < first or i > last or any("basis" in x for x in n.input)]
