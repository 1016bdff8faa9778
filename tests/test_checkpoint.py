"""Checkpoints: hash-verified load, clear refusal of corrupted or mismatched files."""
import json

import pytest
import torch

from f3edge.checkpoint import load_checkpoint, save_checkpoint
from f3edge.config import PRESETS
from f3edge.errors import CheckpointError
from f3edge.models import build_model
from f3edge.registry import DEFAULT_MODEL, available_models, resolve_checkpoint_path


@pytest.fixture
def ckpt(tmp_path):
    torch.manual_seed(0)
    m = build_model(PRESETS["student-xs"])
    return m, save_checkpoint(m, tmp_path / "ck")


def test_round_trip_restores_weights_and_config(ckpt):
    m, path = ckpt
    loaded = load_checkpoint(path)
    assert loaded.config == m.cfg
    for (k, a), (_, b) in zip(m.state_dict().items(), loaded.model.state_dict().items()):
        assert torch.equal(a, b), k
    assert len(loaded.sha256) == 64


def test_meta_copied_from_another_checkpoint_cannot_override_the_computed_fields(ckpt, tmp_path):
    m, path = ckpt
    stale = json.loads((path / "meta.json").read_text()) | {"model_id": "other", "parameters": 1, "note": "kept"}
    with torch.no_grad():
        next(m.parameters()).add_(1.0)                               # new weights, so the old sha256 is stale
    loaded = load_checkpoint(save_checkpoint(m, tmp_path / "again", stale))
    assert loaded.meta["sha256"] != stale["sha256"] and loaded.meta["note"] == "kept"
    assert (loaded.meta["model_id"], loaded.meta["parameters"]) == (m.cfg.name, m.num_parameters())


def test_corrupted_weights_are_refused(ckpt):
    _, path = ckpt
    data = bytearray((path / "model.safetensors").read_bytes())
    data[-10] ^= 0xFF
    (path / "model.safetensors").write_bytes(bytes(data))
    with pytest.raises(CheckpointError, match="sha256"):
        load_checkpoint(path)


def test_weights_not_matching_the_config_are_refused(ckpt):
    _, path = ckpt
    cfg = json.loads((path / "config.json").read_text())
    cfg["net"]["fine_channels"] = 64
    (path / "config.json").write_text(json.dumps(cfg))
    with pytest.raises(CheckpointError, match="do not fit"):
        load_checkpoint(path)


def test_missing_checkpoint_and_unknown_name_are_clear_errors(tmp_path):
    with pytest.raises(CheckpointError, match="missing"):
        load_checkpoint(tmp_path)
    with pytest.raises(CheckpointError, match="unknown model"):
        resolve_checkpoint_path("no-such-model")


def test_default_model_ships_inside_the_package():
    assert DEFAULT_MODEL in available_models()
    assert load_checkpoint(resolve_checkpoint_path(None)).config.kind == "student"
