"""One figure of every probe result in a folder (the JSON files `benchmarks.probes` writes): a panel per
task, a point per feature row with its 95 % interval; linear-probe accuracy for the clip tasks, digit error
rate for the CTC probe (lower is better, said on the axis).

    python -m benchmarks.probes_plot docs/results/probes -o docs/results/probes/probes.png --tasks lid_tts kws ctc

--rows keeps the named rows only, in the order given (a row is named by its full name or by a part of it that
names one row only): a headline figure of the baselines, the bundle and the reference, where every row of a
folder would be too many to read.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from f3edge.audio import atomic_path

TASK_FILES = ("lid_tts", "kws", "ctc", "lid", "speaker")   # panel order; files missing from a folder are skipped


def lower_is_better(key: str) -> bool:
    """Whether a smaller figure under this row key is the better one (an error rate, not an accuracy)."""
    return key == "digit_error_rate"


def metric(result: dict) -> tuple[str, str]:
    """(the key of each row's figure, the axis label)."""
    if "ctc" in result["task"].lower():
        return "digit_error_rate", "digit error rate (lower is better)"
    return "linear", "linear-probe accuracy"


def chance(result: dict) -> float | None:
    """The accuracy of guessing, for the classification tasks (given in the panel's title)."""
    task = result["task"].lower()
    if "languages" in result:
        return 1 / len(result["languages"])
    if task.startswith("speaker id"):
        return 1 / result["speakers"]
    if task.startswith("keyword spotting"):
        return 0.1
    return None


def title(result: dict) -> str:
    task = result["task"]
    return task.split(":")[0].split(",")[0] + (" (synthetic voices)" if "espeak" in task else "")


def read_results(folder: str | Path, tasks=TASK_FILES) -> list[dict]:
    out = []
    for name in tasks:
        path = Path(folder) / f"{name}.json"
        if path.is_file():
            out.append(json.loads(path.read_text()))
    return out


def only_rows(results: list[dict], names: list[str]) -> list[dict]:
    """The results with the rows `names` pick (in that order) and no others; a name that picks no row, or several,
    is refused."""
    from .probe_splits import find_row   # here, not at the top: probe_splits imports this module
    every = dict.fromkeys(name for r in results for name in r["rows"])
    picked = list(dict.fromkeys(find_row(every, n) for n in names))
    return [{**r, "rows": {n: r["rows"][n] for n in picked if n in r["rows"]}} for r in results]


def plot(results: list[dict], out: str | Path) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    if not results:
        raise ValueError("no probe results to plot")
    rows = list(dict.fromkeys(name for r in results for name in r["rows"]))
    # one line of label per row: the figure grows with the rows instead of overprinting their names
    fig, axes = plt.subplots(1, len(results), figsize=(4.2 * len(results) + 7, max(4.2, 1.5 + 0.17 * len(rows))),
                             sharey=True, squeeze=False)
    for ax, r in zip(axes[0], results):
        key, label = metric(r)
        names = [n for n in rows if n in r["rows"]]
        means = [r["rows"][n][key]["mean"] for n in names]
        cis = [r["rows"][n][key]["ci95"] for n in names]
        cis = [c if c == c else 0.0 for c in cis]   # one split has no interval (NaN): draw the point alone
        ys = [rows.index(n) for n in names]
        # a point and its interval, on an axis fitted to the rows: bars from zero hid differences of 0.01
        for y, m, c, n in zip(ys, means, cis, names):
            ax.errorbar(m, y, xerr=c, fmt="o", markersize=4, capsize=3, color="#888" if "reference" in n else "#3b6ea8")
        lo, hi = min(m - c for m, c in zip(means, cis)), max(m + c for m, c in zip(means, cis))
        ax.set_xlim(lo - 0.05 * (hi - lo) - 1e-3, hi + 0.05 * (hi - lo) + 1e-3)
        ax.set_title(title(r) + (f" (chance {chance(r):.2f})" if chance(r) is not None else ""), fontsize=10)
        ax.set_xlabel(label, fontsize=9)
        ax.grid(axis="x", alpha=0.3)
    axes[0][0].set_yticks(range(len(rows)), rows, fontsize=8)
    axes[0][0].invert_yaxis()
    first = results[0]
    fig.suptitle(f"Frozen-feature probes on {first['model']} latents ({first['latent_space']}); mean and 95 % "
                 "interval over 3 seeds", fontsize=10)
    fig.tight_layout()
    with atomic_path(out) as tmp:
        fig.savefig(tmp, dpi=110, format="png")
    plt.close(fig)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.probes_plot", description=__doc__.splitlines()[0])
    p.add_argument("folder")
    p.add_argument("-o", "--output", required=True)
    p.add_argument("--tasks", nargs="+", choices=TASK_FILES, default=list(TASK_FILES), help="panels, in order")
    p.add_argument("--rows", action="extend", nargs="+", help="only these rows, in this order (default: all)")
    a = p.parse_args(argv)
    results = read_results(a.folder, a.tasks)
    if not results:
        print(f"probes_plot: {a.folder}: no probe results ({', '.join(f + '.json' for f in TASK_FILES)})",
              file=sys.stderr)
        return 2
    if a.rows:
        try:
            results = only_rows(results, a.rows)
        except ValueError as e:
            print(f"probes_plot: {a.folder}: {e}", file=sys.stderr)
            return 2
    plot(results, a.output)
    print(a.output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
