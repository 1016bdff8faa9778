"""Model checkpoints: a folder with model.safetensors, config.json and meta.json (sha256 of the weights).

Loading verifies the hash, so a corrupted or swapped weights file is refused with a clear error.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from safetensors import SafetensorError
from safetensors.torch import load_file, save_file

from .config import ModelConfig
from .errors import CheckpointError
from .models import F3Codec, build_model

WEIGHTS, CONFIG, META = "model.safetensors", "config.json", "meta.json"


def sha256_file(path: str | os.PathLike) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


@dataclass(frozen=True)
class LoadedModel:
    model: F3Codec
    config: ModelConfig
    sha256: str
    meta: dict
    path: Path

    @property
    def model_id(self) -> str:
        return self.config.name


def save_checkpoint(model, out_dir: str | os.PathLike, extra_meta: dict | None = None) -> Path:
    """Write the checkpoint folder atomically (a temp folder renamed into place)."""
    out_dir = Path(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", dir=out_dir.parent))
    try:
        state = {k: v.detach().float().contiguous().cpu() for k, v in model.state_dict().items()}
        save_file(state, str(tmp / WEIGHTS), metadata={"model_id": model.cfg.name})
        (tmp / CONFIG).write_text(model.cfg.to_json())
        # the fields computed here win over extra_meta: a meta copied from another checkpoint must not leave a
        # stale sha256 (an unloadable checkpoint) or another model's name
        meta = {**(extra_meta or {}), "model_id": model.cfg.name, "sha256": sha256_file(tmp / WEIGHTS),
                "parameters": model.num_parameters()}
        (tmp / META).write_text(json.dumps(meta, indent=2, sort_keys=True))
        os.chmod(tmp, 0o755)   # mkdtemp makes a private folder; checkpoints ship as package data
        for f in tmp.iterdir():
            os.chmod(f, 0o644)
        if out_dir.exists():
            old = out_dir.with_name(f".{out_dir.name}.old")
            shutil.rmtree(old, ignore_errors=True)
            os.replace(out_dir, old)
            os.replace(tmp, out_dir)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, out_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out_dir


def load_checkpoint(path: str | os.PathLike, map_location: str = "cpu", config_from_json=None,
                    build=None) -> LoadedModel:
    """A verified checkpoint folder. By default an autoencoder (ModelConfig); other model families pass their
    config parser and builder (the representation encoder does)."""
    config_from_json = config_from_json or ModelConfig.from_json
    build = build or build_model
    path = Path(path)
    for name in (WEIGHTS, CONFIG, META):
        if not (path / name).is_file():
            raise CheckpointError(f"{path}: not a model checkpoint (missing {name})")
    try:
        cfg = config_from_json((path / CONFIG).read_text())
        meta = json.loads((path / META).read_text())
    except (ValueError, TypeError, UnicodeDecodeError, RecursionError) as e:
        raise CheckpointError(f"{path}: unreadable checkpoint config ({str(e)[:200]})") from None
    if not isinstance(meta, dict):
        raise CheckpointError(f"{path}: {META} must be a JSON object")
    digest = sha256_file(path / WEIGHTS)
    if meta.get("sha256") != digest:
        raise CheckpointError(f"{path}: weights sha256 {digest[:12]} does not match meta.json "
                              f"({str(meta.get('sha256'))[:12]}): corrupted or replaced file")
    try:
        state = load_file(str(path / WEIGHTS), device=map_location)
    except (SafetensorError, OSError) as e:
        raise CheckpointError(f"{path}: cannot read weights ({e})") from None
    model = build(cfg)
    try:
        model.load_state_dict(state, strict=True)
    except RuntimeError as e:
        first = str(e).splitlines()[1].strip() if len(str(e).splitlines()) > 1 else str(e)
        raise CheckpointError(f"{path}: weights do not fit the config ({first[:160]})") from None
    model.eval()
    return LoadedModel(model=model, config=cfg, sha256=digest, meta=meta, path=path)
