"""Quality-vs-CPU-time curve of a run: its training log against CPU hours, with dev-set scores of its saved
states (`evaluate_snapshot`) or of its `eval_every` log as points."""
from __future__ import annotations

import csv
import json
from pathlib import Path


def read_log(run_dir: str | Path) -> list[dict]:
    with open(Path(run_dir) / "train_log.csv", newline="") as f:
        return [{k: float(v) if v not in ("", None) else None for k, v in r.items()} for r in csv.DictReader(f)]


def plot_run(run_dir: str | Path, out_png: str | Path, evals: list[dict] | None = None) -> Path:
    """Training loss against CPU hours, and (if given) dev-set PESQ/STOI points from `evals`
    (dicts with cpu_hours, pesq_wb, stoi)."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    rows = read_log(run_dir)
    hours = [r["time_s"] / 3600 for r in rows]
    fig, axes = plt.subplots(1, 2 if evals else 1, figsize=(11 if evals else 6, 4), squeeze=False)
    ax = axes[0][0]
    ax.plot(hours, [r["mel"] for r in rows], label="mel L1 (train)")
    ax.plot(hours, [r["stft"] for r in rows], label="STFT loss (train)")
    ax.set_xlabel("CPU wall hours (2 cores)")
    ax.set_ylabel("loss")
    ax.legend()
    ax.grid(alpha=0.3)
    if evals:
        ax = axes[0][1]
        h = [e["cpu_hours"] for e in evals]
        ax.plot(h, [e["pesq_wb"] for e in evals], "o-", label="PESQ-wb (dev speech)")
        ax2 = ax.twinx()
        ax2.plot(h, [e["stoi"] for e in evals], "s--", color="C1", label="STOI (dev speech)")
        ax.set_xlabel("CPU wall hours (2 cores)")
        ax.set_ylabel("PESQ-wb")
        ax2.set_ylabel("STOI")
        ax.grid(alpha=0.3)
        ax.legend(loc="upper left")
        ax2.legend(loc="lower right")
    fig.suptitle(Path(run_dir).name)
    fig.tight_layout()
    fig.savefig(out_png, dpi=100)
    plt.close(fig)
    return Path(out_png)


def load_evals(path: str | Path) -> list[dict]:
    p = Path(path)
    return json.loads(p.read_text()) if p.exists() else []


def evaluate_snapshot(run_dir: str | Path, data: str | Path, every_nth_clip: int = 1, ema: bool = True) -> dict:
    """Evaluate the run's current state (`last/`) on dev speech and append the point to `evals.json`."""
    from ..evaluation import evaluate, speech_clips
    from ..tokenizer import Tokenizer
    from .run_state import cpu_seconds
    from .snapshot import load_run_snapshot, load_run_state
    run_dir = Path(run_dir)
    state = load_run_state(run_dir)
    tok = Tokenizer(load_run_snapshot(run_dir, ema=ema))
    clips = speech_clips(data)[::every_nth_clip]
    mean = evaluate(tok, clips, asr=False)["mean"]
    point = {"step": state["step"], "cpu_hours": round(cpu_seconds(state) / 3600, 4), "ema": ema,
             "clips": len(clips), **{k: round(v, 4) for k, v in mean.items() if isinstance(v, float)}}
    path = run_dir / "evals.json"
    evals = load_evals(path)
    evals.append(point)
    path.write_text(json.dumps(evals, indent=1))
    return point


if __name__ == "__main__":
    import argparse
    ap = argparse.ArgumentParser(description="evaluate a run's latest checkpoint and/or plot its curve")
    ap.add_argument("run_dir")
    ap.add_argument("--data", default=None, help="dev speech to evaluate the latest checkpoint on")
    ap.add_argument("--every", type=int, default=1, help="use every N-th clip")
    ap.add_argument("--raw", action="store_true", help="raw weights instead of EMA")
    ap.add_argument("--plot", default=None, help="write the curve PNG here")
    a = ap.parse_args()
    if a.data:
        print(evaluate_snapshot(a.run_dir, a.data, a.every, ema=not a.raw))
    if a.plot:
        print(plot_run(a.run_dir, a.plot, load_evals(Path(a.run_dir) / "evals.json")))
