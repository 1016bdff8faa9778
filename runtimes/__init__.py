"""Manifest-driven streaming runtimes over exported artifacts (installed as `f3edge.runtimes`).

    art = f3edge.runtimes.open("exports/onnx-int8")
    with art.encoder() as enc:
        z = enc.push(pcm); z_tail = enc.flush()
"""
from __future__ import annotations

import importlib
import platform
from pathlib import Path

from f3edge import targets

from .manifest import Manifest, ManifestError, StreamingContract, read_manifest
from .session import Artifact, DecoderSession, EncoderSession

RUNTIMES = tuple(targets.BY_RUNTIME)
# the Python library each runner imports (once per process; its import is not part of loading a model)
LIBRARIES = {t.runtime: t.library for t in targets.TARGETS.values()}


def runner_class(runtime: str):
    """The step-runner class of one runtime (imported on first use)."""
    t = targets.BY_RUNTIME.get(runtime)
    if t is None:
        raise ManifestError(f"unknown runtime '{runtime}' (known: {', '.join(RUNTIMES)})")
    module, cls = t.runner.split(":")
    return getattr(importlib.import_module(f"{__name__}.{module}"), cls)


def make_runner(path: Path, manifest: Manifest, part: str, threads: int = 0):
    runtime = manifest.runtime
    spec = manifest.parts[part]
    file = path / spec["file"]
    t = targets.BY_RUNTIME.get(runtime)
    if t is not None and t.apple_only and platform.system() != "Darwin":
        raise ManifestError(f"{path}: the {runtime} runtime runs only on Apple platforms")
    cls = runner_class(runtime)
    if t.aborts_on_bad_files:
        from .preflight import ensure_loads
        ensure_loads(runtime, file, spec)
    return cls(file, spec, threads)


def open(artifact_dir: str | Path, threads: int = 0) -> Artifact:  # noqa: A001 - mirrors builtins.open on purpose
    path = Path(artifact_dir)
    manifest = read_manifest(path)
    return Artifact(path, manifest, lambda p, m, part: make_runner(p, m, part, threads))


__all__ = ["open", "Artifact", "EncoderSession", "DecoderSession", "Manifest", "ManifestError", "StreamingContract",
           "read_manifest", "RUNTIMES"]
