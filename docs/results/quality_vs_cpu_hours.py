"""Quality-vs-CPU-hours of the shipped models (measured points in quality_vs_cpu_hours.json; every 4th
dev speech clip = 21 clips, EMA weights). Re-plot: python docs/results/quality_vs_cpu_hours.py"""
import json
from pathlib import Path

import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt

HERE = Path(__file__).parent
data = json.loads((HERE / "quality_vs_cpu_hours.json").read_text())
fig, (a, b) = plt.subplots(1, 2, figsize=(11, 4))
for name, pts in data["series"].items():
    h = [p["cpu_hours"] for p in pts]
    a.plot(h, [p["pesq_wb"] for p in pts], "o-", label=name)
    b.plot(h, [p["stoi"] for p in pts], "o-", label=name)
for ax, key, label in ((a, "pesq", "PESQ-wb"), (b, "stoi", "STOI")):
    for bar_name, v in data["bars"][key].items():
        ax.axhline(v, ls="--", lw=0.8, color="gray")
        ax.annotate(f"bar: {bar_name}", (0.02, v), xycoords=("axes fraction", "data"), fontsize=7,
                    xytext=(0, 2), textcoords="offset points")
    ax.set_xlabel("CPU wall hours on the 2-core dev machine")
    ax.set_ylabel(label + " (21 dev speech clips)")
    ax.grid(alpha=0.3)
a.legend(fontsize=8)
fig.tight_layout()
fig.savefig(HERE / "quality_vs_cpu_hours.png", dpi=100)
