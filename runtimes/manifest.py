"""manifest.json: everything a runtime (or a phone app) needs to feed an exported model."""
from __future__ import annotations

import json
from pathlib import Path

from f3edge.errors import F3EdgeInputError

FORMAT_VERSION = 1
MANIFEST = "manifest.json"
REQUIRED = ("format_version", "model_id", "checkpoint_sha256", "target", "runtime", "precision", "sample_rate",
            "hop", "chunk_samples", "lookahead_frames", "latent_dim", "synthesis_delay_samples", "encoder", "decoder")


class ManifestError(F3EdgeInputError):
    pass


def read_manifest(artifact_dir: str | Path) -> dict:
    d = Path(artifact_dir)
    path = d / MANIFEST
    if not d.is_dir():
        raise ManifestError(f"{d}: no such artifact folder")
    if not path.is_file():
        raise ManifestError(f"{d}: no {MANIFEST} (not an f3edge export)")
    try:
        m = json.loads(path.read_text())
    except json.JSONDecodeError as e:
        raise ManifestError(f"{path}: malformed JSON ({e.msg} at line {e.lineno})") from None
    if not isinstance(m, dict):
        raise ManifestError(f"{path}: expected a JSON object")
    missing = [k for k in REQUIRED if k not in m]
    if missing:
        raise ManifestError(f"{path}: missing keys {', '.join(missing)}")
    if m["format_version"] != FORMAT_VERSION:
        raise ManifestError(f"{path}: format_version {m['format_version']} is not supported (want {FORMAT_VERSION})")
    for part in ("encoder", "decoder"):
        p = m[part]
        for key in ("file", "inputs", "outputs"):
            if key not in p:
                raise ManifestError(f"{path}: {part} has no '{key}'")
        if not (d / p["file"]).is_file():
            raise ManifestError(f"{d / p['file']}: artifact file missing")
        for t in p["inputs"] + p["outputs"]:
            if not isinstance(t.get("shape"), list) or not all(isinstance(v, int) and v > 0 for v in t["shape"]):
                raise ManifestError(f"{path}: {part} tensor {t.get('name')} has a bad shape {t.get('shape')}")
        if len(p["inputs"]) != len(p["outputs"]):
            raise ManifestError(f"{path}: {part} needs one output per input (the step and its states)")
        for i, o in zip(p["inputs"][1:], p["outputs"][1:]):
            if i["shape"] != o["shape"]:
                raise ManifestError(f"{path}: {part} state {i['name']} in/out shapes differ")
    return m


def write_manifest(artifact_dir: str | Path, manifest: dict) -> Path:
    from f3edge.audio import atomic_path
    path = Path(artifact_dir) / MANIFEST
    with atomic_path(path) as t:
        Path(t).write_text(json.dumps(manifest, indent=2))
    return path
