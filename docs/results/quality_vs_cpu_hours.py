"""Quality-vs-CPU-hours of the shipped models (measured points in quality_vs_cpu_hours.json; every 4th
dev speech clip = 21 clips, EMA weights), with a projection to the issue-3 bars.

Re-plot and print the projection: python docs/results/quality_vs_cpu_hours.py

Two projections per series, both from the points after FIT_FROM_HOURS (the fine-tuning phase, where
the curve is smooth): a log fit (quality = a + b ln h, the usual shape of a training curve) and the
straight line through the last two points (the optimistic one: gains per hour only ever fell here).
"""
import json
import math
from pathlib import Path

import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

HERE = Path(__file__).parent
FIT_FROM_HOURS = 1.5
BAR_OF_SERIES = {"teacher": "teacher", "student-s": "student", "teacher v2 (f3-v2, encoder trained)": "teacher"}


def log_fit(hours, values):
    b, a = np.polyfit(np.log(hours), values, 1)
    return a, b


def hours_to_reach(bar, hours, values):
    """(log-fit hours, last-slope hours, last slope per hour): when the series reaches `bar` (inf: never)."""
    a, b = log_fit(hours, values)
    by_log = math.exp((bar - a) / b) if b > 0 else math.inf
    slope = (values[-1] - values[-2]) / (hours[-1] - hours[-2])
    by_line = hours[-1] + (bar - values[-1]) / slope if slope > 0 else math.inf
    return by_log, by_line, slope


def main():
    data = json.loads((HERE / "quality_vs_cpu_hours.json").read_text())
    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    for key, ax, label in (("pesq_wb", axes[0], "PESQ-wb"), ("stoi", axes[1], "STOI")):
        bars = data["bars"]["pesq" if key == "pesq_wb" else "stoi"]
        for name, pts in data["series"].items():
            h = [p["cpu_hours"] for p in pts]
            v = [p[key] for p in pts]
            line, = ax.plot(h, v, "o-", label=name)
            fit = [(hh, vv) for hh, vv in zip(h, v) if hh >= FIT_FROM_HOURS]
            if name not in BAR_OF_SERIES or len(fit) < 3:
                continue
            fh, fv = map(np.array, zip(*fit))
            a, b = log_fit(fh, fv)
            xs = np.linspace(fh[0], 12, 100)
            ax.plot(xs, a + b * np.log(xs), ":", color=line.get_color(), lw=1)
            bar_name = next(n for n in bars if n.startswith(BAR_OF_SERIES[name]))
            if fv[-1] >= bars[bar_name]:
                print(f"{name:10s} {label:8s} now {fv[-1]:.3f} at {fh[-1]:.2f} h: at or above the bar "
                      f"{bars[bar_name]} on these 21 clips")
                continue
            by_log, by_line, slope = hours_to_reach(bars[bar_name], list(fh), list(fv))
            print(f"{name:10s} {label:8s} now {fv[-1]:.3f} at {fh[-1]:.2f} h; bar {bars[bar_name]}: "
                  f"log fit {by_log:,.0f} CPU-h, last slope {by_line:,.1f} CPU-h "
                  f"({slope:+.3f} per CPU-h)")
        for bar_name, value in bars.items():
            ax.axhline(value, ls="--", lw=0.8, color="gray")
            ax.annotate(f"bar: {bar_name}", (0.02, value), xycoords=("axes fraction", "data"), fontsize=7,
                        xytext=(0, 2), textcoords="offset points")
        ax.set_xlabel("CPU wall hours on the 2-core dev machine (dotted: log fit, projected)")
        ax.set_ylabel(label + " (21 dev speech clips)")
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(HERE / "quality_vs_cpu_hours.png", dpi=100)


if __name__ == "__main__":
    main()
