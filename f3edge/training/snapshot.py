"""Turn a run's resumable state (`last/`) into a tokenizer (EMA weights) without stopping the run."""
from __future__ import annotations

from pathlib import Path

from ..checkpoint import LoadedModel
from ..config import ModelConfig
from ..errors import RunStateError
from ..models import build_model
from .run_state import load_latest


def load_run_state(run_dir: str | Path) -> dict:
    state = load_latest(run_dir)
    if state is None:
        raise RunStateError(f"{run_dir}: the run has saved no state yet")
    return state


def load_run_snapshot(run_dir: str | Path, ema: bool = True) -> LoadedModel:
    run_dir = Path(run_dir)
    s = load_run_state(run_dir)
    cfg = ModelConfig.from_dict(s["model_config"])
    model = build_model(cfg)
    model.load_state_dict(s["ema" if ema else "model"])
    model.eval()
    return LoadedModel(model=model, config=cfg, sha256=f"snapshot-step{s['step']}", meta={"train_steps": s["step"]},
                       path=run_dir)
