"""Manifest-driven streaming runtimes over exported artifacts (installed as `f3edge.runtimes`).

    art = f3edge.runtimes.open("exports/onnx-int8")
    with art.encoder() as enc:
        z = enc.push(pcm); z_tail = enc.flush()
"""
from __future__ import annotations

from pathlib import Path

from .manifest import ManifestError, read_manifest, write_manifest
from .session import Artifact, DecoderSession, EncoderSession

RUNTIMES = ("onnxruntime", "executorch", "litert", "coreml", "executorch-coreml")
# the Python library each runner imports (once per process; its import is not part of loading a model)
LIBRARIES = {"onnxruntime": "onnxruntime", "executorch": "executorch.runtime", "litert": "ai_edge_litert.interpreter",
             "coreml": "coremltools", "executorch-coreml": "executorch.runtime"}


# runtimes whose native loader can abort the process on a malformed file: tried in a child process first
ABORTS_ON_BAD_FILES = ("executorch", "litert")


def runner_class(runtime: str):
    """The step-runner class of one runtime (imported on first use)."""
    if runtime == "onnxruntime":
        from .onnxruntime_runner import OnnxRuntimeRunner
        return OnnxRuntimeRunner
    if runtime in ("executorch", "executorch-coreml"):
        from .executorch_runner import ExecuTorchRunner
        return ExecuTorchRunner
    if runtime == "litert":
        from .litert_runner import LiteRTRunner
        return LiteRTRunner
    if runtime == "coreml":
        from .coreml_runner import CoreMLRunner
        return CoreMLRunner
    raise ManifestError(f"unknown runtime '{runtime}' (known: {', '.join(RUNTIMES)})")


def _make_runner(path: Path, manifest: dict, part: str, threads: int = 0):
    runtime = manifest["runtime"]
    file = path / manifest[part]["file"]
    if runtime == "executorch-coreml":
        import platform
        if platform.system() != "Darwin":
            raise ManifestError(f"{path}: the ExecuTorch Core ML delegate runs only on Apple platforms; "
                                "use the XNNPACK .pte here")
    cls = runner_class(runtime)
    if runtime in ABORTS_ON_BAD_FILES:
        from .preflight import ensure_loads
        ensure_loads(runtime, file, manifest[part])
    return cls(file, manifest[part], threads)


def open(artifact_dir: str | Path, threads: int = 0) -> Artifact:  # noqa: A001 - mirrors builtins.open on purpose
    path = Path(artifact_dir)
    manifest = read_manifest(path)
    return Artifact(path, manifest, lambda p, m, part: _make_runner(p, m, part, threads))


__all__ = ["open", "Artifact", "EncoderSession", "DecoderSession", "ManifestError", "read_manifest",
           "write_manifest", "RUNTIMES"]
