"""Run configs are deltas: every committed training config loads, and no key repeats the value it would
get anyway (from its `base` chain, or TrainConfig's default where it has none)."""
import dataclasses
import json
from pathlib import Path

import pytest

from f3edge.training.config import TrainConfig, read_layers

REPO = Path(__file__).resolve().parent.parent
CONFIGS = sorted(p for p in (REPO / "configs").rglob("*.json")
                 if "kind" not in json.loads(p.read_text()))   # model configs (with "kind") are not run configs
DEFAULTS = {f.name: f.default if f.default is not dataclasses.MISSING else f.default_factory()
            for f in dataclasses.fields(TrainConfig)}


@pytest.mark.parametrize("path", CONFIGS, ids=lambda p: str(p.relative_to(REPO / "configs")))
def test_a_run_config_loads_and_repeats_nothing_it_inherits(path, monkeypatch):
    monkeypatch.chdir(REPO)   # config paths, `base` included, are relative to the repository root
    TrainConfig.from_file(str(path))
    own = json.loads(path.read_text())
    inherited = dict(DEFAULTS, **(read_layers(own["base"]) if "base" in own else {}))
    repeated = [k for k, v in own.items() if k != "base" and inherited.get(k, object()) == v]
    assert not repeated, f"{path.name} repeats what it inherits: {repeated}"


def test_a_base_chain_merges_in_order_and_a_loop_is_refused(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("a.json").write_text(json.dumps({"lr": 0.5, "steps": 7}))
    Path("b.json").write_text(json.dumps({"base": "a.json", "steps": 9}))
    cfg = TrainConfig.from_file("b.json", out="x")
    assert (cfg.lr, cfg.steps, cfg.out) == (0.5, 9, "x")
    Path("a.json").write_text(json.dumps({"base": "b.json"}))
    with pytest.raises(ValueError, match="loops"):
        TrainConfig.from_file("b.json")


def test_a_missing_base_is_one_line_and_exit_2(tmp_path):
    import subprocess
    import sys
    cfg = tmp_path / "run.json"
    cfg.write_text(json.dumps({"base": str(tmp_path / "nope.json")}))
    p = subprocess.run([sys.executable, "-m", "f3edge", "train", "--config", str(cfg)], capture_output=True,
                       text=True, timeout=120)
    assert p.returncode == 2 and "nope.json" in p.stderr and "Traceback" not in p.stderr
    assert len(p.stderr.strip().splitlines()) == 1
