"""Resumable training state on disk in a form that cannot run code: tensors in safetensors, everything
else (step, RNG states, optimizer hyper-parameters, sampler state) as JSON, both checksummed.

A state is a folder `<name>/` holding `tensors.safetensors` and `state.json`; `state.json` records the
sha256 of the tensors file and of its own payload, so a truncated, flipped or swapped file is refused.
Saving writes a new folder and renames it into place, keeping the previous good state as `prev/`:
`load_latest` falls back to it (with a warning line) when the latest one is missing or corrupt.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

import numpy as np
import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file

from ..checkpoint import sha256_file
from ..errors import RunStateError

TENSORS, STATE = "tensors.safetensors", "state.json"
FORMAT = "f3edge-run-state-1"
LATEST, PREVIOUS = "last", "prev"
MAX_STATE_BYTES = 64 << 20     # the JSON part holds RNG states and hyper-parameters only


def _flatten(obj, tensors: dict[str, torch.Tensor], path: str):
    """Replace tensors and arrays by references into `tensors`; tuples and int keys are tagged so they
    come back as they were."""
    if torch.is_tensor(obj):
        key = path or "_"
        tensors[key] = obj.detach().cpu().clone().contiguous()
        return {"__tensor__": key}
    if isinstance(obj, np.ndarray):
        key = path or "_"
        tensors[key] = torch.from_numpy(np.ascontiguousarray(obj))
        return {"__ndarray__": key}
    if isinstance(obj, dict):
        if all(isinstance(k, str) for k in obj):
            return {k: _flatten(v, tensors, f"{path}.{k}") for k, v in obj.items()}
        if all(isinstance(k, int) for k in obj):
            return {"__intdict__": [[k, _flatten(v, tensors, f"{path}.{k}")] for k, v in obj.items()]}
        raise TypeError(f"{path}: dict keys must be all str or all int")
    if isinstance(obj, tuple):
        return {"__tuple__": [_flatten(v, tensors, f"{path}.{i}") for i, v in enumerate(obj)]}
    if isinstance(obj, list):
        return [_flatten(v, tensors, f"{path}.{i}") for i, v in enumerate(obj)]
    if isinstance(obj, (bool, int, float, str)) or obj is None:
        return obj
    if isinstance(obj, (np.integer, np.floating)):
        return obj.item()
    raise TypeError(f"{path}: cannot store a {type(obj).__name__} in a run state")


def _unflatten(obj, tensors: dict[str, torch.Tensor]):
    if isinstance(obj, list):
        return [_unflatten(v, tensors) for v in obj]
    if isinstance(obj, dict):
        if set(obj) == {"__tensor__"}:
            return tensors[obj["__tensor__"]]
        if set(obj) == {"__ndarray__"}:
            return tensors[obj["__ndarray__"]].numpy()
        if set(obj) == {"__tuple__"}:
            return tuple(_unflatten(v, tensors) for v in obj["__tuple__"])
        if set(obj) == {"__intdict__"}:
            return {int(k): _unflatten(v, tensors) for k, v in obj["__intdict__"]}
        return {k: _unflatten(v, tensors) for k, v in obj.items()}
    return obj


def _canonical(payload) -> bytes:
    return json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()


def save_state(state: dict, run_dir: str | os.PathLike) -> Path:
    """Write `state` as run_dir/last (the previous one becomes run_dir/prev)."""
    run_dir = Path(run_dir)
    tensors: dict[str, torch.Tensor] = {}
    payload = _flatten(state, tensors, "")
    tmp = Path(tempfile.mkdtemp(prefix=".state.", dir=run_dir))
    try:
        save_file(tensors, str(tmp / TENSORS))
        doc = {"format": FORMAT, "tensors_sha256": sha256_file(tmp / TENSORS),
               "payload_sha256": hashlib.sha256(_canonical(payload)).hexdigest(), "payload": payload}
        (tmp / STATE).write_text(json.dumps(doc))
        latest, previous = run_dir / LATEST, run_dir / PREVIOUS
        if latest.exists():
            shutil.rmtree(previous, ignore_errors=True)
            os.replace(latest, previous)
        os.replace(tmp, latest)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return run_dir / LATEST


def load_state(folder: str | os.PathLike, map_location: str | torch.device = "cpu") -> dict:
    """Read and verify one state folder; RunStateError says what is wrong."""
    folder = Path(folder)
    if not (folder / STATE).is_file() or not (folder / TENSORS).is_file():
        raise RunStateError(f"{folder}: not a run state (missing {STATE} or {TENSORS})")
    if (folder / STATE).stat().st_size > MAX_STATE_BYTES:
        raise RunStateError(f"{folder}: {STATE} is implausibly large")
    try:
        doc = json.loads((folder / STATE).read_text())
    except (ValueError, UnicodeDecodeError) as e:
        raise RunStateError(f"{folder}: {STATE} is not valid JSON ({e})") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT or "payload" not in doc:
        raise RunStateError(f"{folder}: {STATE} is not an {FORMAT} file")
    if hashlib.sha256(_canonical(doc["payload"])).hexdigest() != doc.get("payload_sha256"):
        raise RunStateError(f"{folder}: {STATE} does not match its checksum (corrupted)")
    if sha256_file(folder / TENSORS) != doc.get("tensors_sha256"):
        raise RunStateError(f"{folder}: {TENSORS} does not match its checksum (corrupted or replaced)")
    try:
        tensors = load_file(str(folder / TENSORS), device=str(map_location))
    except (SafetensorError, OSError, RuntimeError) as e:
        raise RunStateError(f"{folder}: cannot read {TENSORS} ({e})") from None
    try:
        return _unflatten(doc["payload"], tensors)
    except (KeyError, TypeError, ValueError) as e:
        raise RunStateError(f"{folder}: inconsistent run state ({e})") from None


def has_state(run_dir: str | os.PathLike) -> bool:
    run_dir = Path(run_dir)
    return (run_dir / LATEST).exists() or (run_dir / PREVIOUS).exists()


def load_latest(run_dir: str | os.PathLike, map_location: str | torch.device = "cpu") -> dict | None:
    """The newest good state of a run (None if it has none); a corrupt latest falls back to the previous
    one with a warning line; if neither is good, RunStateError."""
    run_dir = Path(run_dir)
    errors = []
    for name in (LATEST, PREVIOUS):
        folder = run_dir / name
        if not folder.exists():
            continue
        try:
            state = load_state(folder, map_location)
        except RunStateError as e:
            errors.append(str(e))
            continue
        if errors:
            print(f"warning: {errors[0]}; resuming from the previous checkpoint {folder}", file=sys.stderr)
        return state
    if errors:
        raise RunStateError("; ".join(errors) + ": no usable checkpoint to resume (move the run folder away to start over)")
    return None


def cpu_seconds(state: dict) -> float:
    """CPU seconds of a run's training steps over all its sessions. A state saved before CPU time was kept
    records only wall time, which stands in for it (a one-thread run on an idle core)."""
    return state.get("cpu_elapsed", state["elapsed"])
