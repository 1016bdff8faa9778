"""Turn a run's resumable state (`last/`) into a tokenizer (EMA weights) without stopping the run, or a saved
state into a checkpoint folder (`python -m f3edge.training.snapshot STATE_DIR OUT_DIR`)."""
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


def export_run_state(state_dir: str | Path, out: str | Path) -> Path:
    """The EMA weights of one saved state folder (e.g. a copy of `last/` taken at a budget point) as a
    verified checkpoint folder, so runs compared at an equal budget are scored at that point even when one
    of them went on training. Autoencoders and representation encoders alike."""
    from ..checkpoint import save_checkpoint
    from ..models.representation import RepresentationConfig, RepresentationModel
    from .run_state import cpu_seconds, load_state
    s = load_state(state_dir)
    saved = s["model_config"]
    if isinstance(saved, dict) and saved.get("kind") == RepresentationConfig.kind:
        model, recipe = RepresentationModel(RepresentationConfig.from_dict(saved)), "repr"
    else:
        model, recipe = build_model(ModelConfig.from_dict(saved)), "autoencoder"
    model.load_state_dict(s["ema"])
    return save_checkpoint(model.eval(), out, {"train_steps": s["step"], "train_seconds": round(s["elapsed"], 1),
                                               "train_cpu_seconds": round(cpu_seconds(s), 1),
                                               "recipe": recipe, "snapshot_of": Path(state_dir).name})


if __name__ == "__main__":
    import sys
    if len(sys.argv) != 3:
        print("usage: python -m f3edge.training.snapshot STATE_DIR OUT_DIR  (EMA weights -> checkpoint)",
              file=sys.stderr)
        sys.exit(2)
    print(export_run_state(sys.argv[1], sys.argv[2]))
