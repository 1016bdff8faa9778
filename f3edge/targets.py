"""Every export target and the runtime that runs it, defined once. The exporter, the runtimes, the CLI and the
benchmarks read this table; no other module lists target or runtime names. Pure data: importing it loads no
runtime or exporter."""
from __future__ import annotations

from dataclasses import dataclass, field

from .errors import F3EdgeInputError


@dataclass(frozen=True)
class Target:
    name: str                       # `f3edge export --target`, `--runtime`, the folder prefix <name>-<precision>
    runtime: str                    # the manifest's "runtime": which step runner opens the artifact
    precisions: tuple[str, ...]
    runner: str                     # "<module under f3edge.runtimes>:<class>"
    library: str                    # the Python library that runner imports
    precision_aliases: dict[str, str] = field(default_factory=dict)   # requested -> built
    fp16_compute: bool = False      # Core ML: fp16 on device; calibrated only for w8a8; parity simulated off macOS
    weights_readable: bool = False  # the simulation can read the int8 weights back from the saved package
    full_sequence: bool = False     # also exports whole-file models
    aborts_on_bad_files: bool = False   # its native loader can abort the process: try files in a child first
    apple_only: bool = False        # the runtime exists only on Apple platforms


TARGETS: dict[str, Target] = {t.name: t for t in (
    Target("executorch", "executorch", ("fp32", "int8"), "executorch_runner:ExecuTorchRunner", "executorch.runtime",
           aborts_on_bad_files=True),
    Target("onnx", "onnxruntime", ("fp32", "int8"), "onnxruntime_runner:OnnxRuntimeRunner", "onnxruntime",
           full_sequence=True),
    Target("tflite", "litert", ("fp32", "int8"), "litert_runner:LiteRTRunner", "ai_edge_litert.interpreter",
           aborts_on_bad_files=True),
    Target("coreml", "coreml", ("fp16", "int8", "w8a8"), "coreml_runner:CoreMLRunner", "coremltools",
           precision_aliases={"fp32": "fp16"}, fp16_compute=True, weights_readable=True),
    Target("executorch-coreml", "executorch-coreml", ("fp16", "int8"), "executorch_runner:ExecuTorchRunner",
           "executorch.runtime", precision_aliases={"fp32": "fp16"}, fp16_compute=True, aborts_on_bad_files=True,
           apple_only=True),
)}
BY_RUNTIME: dict[str, Target] = {t.runtime: t for t in TARGETS.values()}


def get(name: str) -> Target:
    """A target by its name or by its runtime's name (`onnxruntime` is the `onnx` target)."""
    t = TARGETS.get(name) or BY_RUNTIME.get(name)
    if t is None:
        raise F3EdgeInputError(f"unknown target '{name}' (choose from {', '.join(TARGETS)})")
    return t
