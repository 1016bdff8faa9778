"""Turn a run's resumable `last.pt` into a tokenizer (EMA weights) without stopping the run."""
from __future__ import annotations

from pathlib import Path

import torch

from ..checkpoint import LoadedModel
from ..config import ModelConfig
from ..models import build_model


def load_run_snapshot(run_dir: str | Path, ema: bool = True) -> LoadedModel:
    run_dir = Path(run_dir)
    s = torch.load(run_dir / "last.pt", map_location="cpu", weights_only=False)
    cfg = ModelConfig.from_dict(s["model_config"])
    model = build_model(cfg)
    model.load_state_dict(s["ema" if ema else "model"])
    model.eval()
    return LoadedModel(model=model, config=cfg, sha256=f"snapshot-step{s['step']}", meta={"train_steps": s["step"]},
                       path=run_dir)
