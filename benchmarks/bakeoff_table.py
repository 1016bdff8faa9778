"""The quality bake-off table: each candidate's dev-set scores (`f3edge eval` JSON), its latent probe
(`benchmarks.latent_probe` JSON), its training cost (the run's train_log.csv) and its size.

    python -m benchmarks.bakeoff_table --results docs/results/bakeoff --runs runs/bakeoff \
        --candidates control phase phase_adv phase_fine4 --baseline f3edge-teacher
writes docs/results/bakeoff/table.md and table.json."""
from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path


def _train_cost(run: Path) -> dict:
    rows = list(csv.DictReader(open(run / "train_log.csv")))
    last, first = rows[-1], rows[0]
    steps = int(last["step"]) - int(first["step"])
    cpu = float(last["cpu_s"]) - float(first["cpu_s"])
    mel = [float(r["mel"]) for r in rows]
    k = min(10, len(mel))   # log rows are 25-step means: average 10 of them at each end
    return {"steps": int(last["step"]), "cpu_minutes": round(float(last["cpu_s"]) / 60, 1),
            "cpu_s_per_step": round(cpu / steps, 3) if steps else None,
            "train_mel_first": round(sum(mel[:k]) / k, 4), "train_mel_last": round(sum(mel[-k:]) / k, 4)}


def _params(model: str) -> float:
    import f3edge
    tok = f3edge.load(model)
    return round(sum(p.numel() for p in tok.model.parameters()) / 1e6, 2)


def row(name: str, results: Path, model: str, run: Path | None) -> dict:
    ev = json.loads((results / f"eval_{name}.json").read_text())["mean"]
    probe = json.loads((results / f"probe_{name}.json").read_text())
    out = {"candidate": name, "model": model, "params_m": _params(model), "pesq_wb": round(ev["pesq_wb"], 3),
           "stoi": round(ev["stoi"], 4), "log_mel_l1_db": round(ev["log_mel_l1_db"], 3),
           "probe_mel_l1_db": probe["dev_mel_l1_db"], "latent_space": probe["latent_space"]}
    if run is not None:
        out.update(_train_cost(run))
    return out


def to_markdown(rows: list[dict]) -> str:
    head = ("| candidate | params M | PESQ-wb | STOI | log-mel L1 dB | latent probe mel L1 dB | steps | CPU min "
            "| CPU s/step | train mel, first -> last 250 steps |")
    lines = [head, "|---" * 10 + "|"]
    for r in rows:
        lines.append(f"| {r['candidate']} | {r['params_m']} | {r['pesq_wb']:.3f} | {r['stoi']:.3f} | "
                     f"{r['log_mel_l1_db']:.3f} | {r['probe_mel_l1_db']:.3f} | {r.get('steps', '-')} | "
                     f"{r.get('cpu_minutes', '-')} | {r.get('cpu_s_per_step', '-')} | "
                     f"{r.get('train_mel_first', '-')} -> {r.get('train_mel_last', '-')} |")
    return "\n".join(lines) + "\n"


def plot_curves(runs: Path, candidates: list[str], out: Path) -> None:
    """Training mel loss (smoothed over 10 log rows) against CPU minutes, one line per candidate."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np
    fig, ax = plt.subplots(figsize=(7, 4))
    for c in candidates:
        rows = list(csv.DictReader(open(runs / c / "train_log.csv")))
        cpu = np.array([float(r["cpu_s"]) / 60 for r in rows])
        mel = np.array([float(r["mel"]) for r in rows])
        k = min(10, len(mel))
        smooth = np.convolve(mel, np.ones(k) / k, mode="valid")
        ax.plot(cpu[k - 1:], smooth, label=c)
    ax.set_xlabel("CPU minutes (one thread)")
    ax.set_ylabel("training multi-resolution mel loss")
    ax.set_title("Bake-off: same start (f3edge-teacher), same data and budget")
    ax.legend()
    fig.tight_layout()
    fig.savefig(out, dpi=120)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.bakeoff_table")
    p.add_argument("--results", type=Path, required=True)
    p.add_argument("--runs", type=Path, required=True)
    p.add_argument("--candidates", nargs="+", required=True)
    p.add_argument("--baseline", default=None, help="a bundled model scored the same way (eval_/probe_baseline)")
    a = p.parse_args(argv)
    rows = [row("baseline", a.results, a.baseline, None)] if a.baseline else []
    rows += [row(c, a.results, str(a.runs / c / "model"), a.runs / c) for c in a.candidates]
    (a.results / "table.json").write_text(json.dumps(rows, indent=1) + "\n")
    (a.results / "table.md").write_text(to_markdown(rows))
    plot_curves(a.runs, a.candidates, a.results / "train_mel_vs_cpu.png")
    print(to_markdown(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
