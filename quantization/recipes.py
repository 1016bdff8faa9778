"""int8 recipes per backend: which parts stay float.

The fixed DFT front-end (STFT analysis and its log-power features) and back-end (the polar head and the
overlap-add iSTFT) carry audio-rate dynamic range; the learned trunk is what int8 is for. Recipes:
  "all"      quantize every conv, the DFT bases included (smallest artifact)
  "trunk"    keep the DFT front/back-end in float, quantize the learned trunk (most accurate)
"""
from __future__ import annotations

RECIPES = ("trunk", "all")
DEFAULT_RECIPE = "trunk"

# module-name prefixes (inside EncoderStep/DecoderStep) that stay float under the "trunk" recipe
FLOAT_MODULES = {
    "encoder": ("student.encoder.blocks.0", "student.encoder.blocks.1", "norm"),
    "decoder": ("student.decoder.blocks.{head}", "student.decoder.blocks.{istft}"),
}


def float_module_names(step, part: str, recipe: str) -> list[str]:
    if recipe == "all":
        return []
    blocks = step.student.decoder.blocks if part == "decoder" else step.student.encoder.blocks
    n = len(blocks)
    return [p.format(head=n - 2, istft=n - 1) for p in FLOAT_MODULES[part]]


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
