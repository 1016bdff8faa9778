"""Some native loaders abort the whole process on a malformed model instead of raising: ExecuTorch's XNNPACK
delegate does on a .pte whose delegate payload is corrupt even though its header is sound and its manifest
checksum matches (a manifest re-sealed after tampering, or a file written by a broken exporter). Such a model
is first loaded and run once in a child process; only if that child exits cleanly does this process load it.

The verdict is remembered per file content (sha256 + runtime) under the cache folder, so an artifact pays
the child process (about 2-3 s) once per machine. Content-addressed: a changed file is tried again.
`F3EDGE_CACHE_DIR` moves the cache (default ~/.cache/f3edge)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from .manifest import ManifestError, file_digest

PREFLIGHT_TIMEOUT_S = 300


def cache_dir() -> Path:
    return Path(os.environ.get("F3EDGE_CACHE_DIR") or Path.home() / ".cache" / "f3edge") / "loads-ok"


def _marker(runtime: str, sha256: str) -> Path:
    return cache_dir() / f"{sha256}.{runtime}"


def ensure_loads(runtime: str, file: Path, part: dict) -> None:
    """Raise ManifestError unless `file` loads and runs one step in a child process (or did before)."""
    # a sealed manifest's sha256 was verified against the file; the exporter's own parity run has none yet
    marker = _marker(runtime, part.get("sha256") or file_digest(file)[0])
    if marker.is_file():
        return
    try:
        p = subprocess.run([sys.executable, "-m", "f3edge.runtimes.preflight", runtime, str(file), json.dumps(part)],
                           capture_output=True, text=True, timeout=PREFLIGHT_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        raise ManifestError(f"{file}: {runtime} did not load it within {PREFLIGHT_TIMEOUT_S} s") from None
    if p.returncode == 2:
        lines = [ln for ln in p.stderr.splitlines() if ln.strip()]
        raise ManifestError(lines[-1] if lines else f"{file}: {runtime} cannot load it")
    if p.returncode != 0:
        how = f"signal {-p.returncode}" if p.returncode < 0 else f"exit status {p.returncode}"
        raise ManifestError(f"{file}: {runtime} crashed while loading it ({how}): the file is corrupt or was "
                            "not written by this exporter")
    try:
        marker.parent.mkdir(parents=True, exist_ok=True)
        marker.touch()
    except OSError:
        pass   # an unwritable cache costs the child process again next time, nothing else


def _child(runtime: str, file: str, part_json: str) -> int:
    import numpy as np
    from . import runner_class
    part = json.loads(part_json)
    try:
        runner = runner_class(runtime)(Path(file), part, 1)
        runner.run([np.zeros(t["shape"], np.float32) for t in part["inputs"]])
    except ManifestError as e:
        print(e, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(_child(*sys.argv[1:4]))
