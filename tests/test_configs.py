"""Run configs are deltas: every committed training config loads, and no key repeats TrainConfig's default."""
import dataclasses
import json
from pathlib import Path

import pytest

from f3edge.training.config import TrainConfig

CONFIGS = sorted(p for p in (Path(__file__).resolve().parent.parent / "configs").rglob("*.json")
                 if "kind" not in json.loads(p.read_text()))   # model configs (with "kind") are not run configs
DEFAULTS = {f.name: f.default if f.default is not dataclasses.MISSING else f.default_factory()
            for f in dataclasses.fields(TrainConfig)}


@pytest.mark.parametrize("path", CONFIGS, ids=lambda p: p.name)
def test_a_run_config_loads_and_repeats_no_default(path):
    TrainConfig.from_file(str(path))
    repeated = [k for k, v in json.loads(path.read_text()).items() if DEFAULTS.get(k, object()) == v]
    assert not repeated, f"{path.name} repeats defaults: {repeated}"
