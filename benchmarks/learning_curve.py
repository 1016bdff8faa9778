"""Probe scores against training steps, per recipe, with the issue's bar and a projection: does more training
of a recipe reach the bar?

Reads the probe JSON files of a folder (`benchmarks.probes`) and a spec naming, for each recipe, the probe row
of each training step and the baseline rows it must beat. The bar is the probes' own: beat every baseline with
non-overlapping 95 % intervals (higher accuracy; lower digit error rate for CTC). The projection fits the
mean error (the digit error rate, or 1 - accuracy) as a power law of the steps, by least squares in log-log
over the recipe's points (from the spec's `fit_from` step on, to leave out the first steps' fast fall when
asked), and asks where the fitted mean would clear the bar with an interval as wide, relative to the error,
as the recipe's points had (their median half-width / error); a slope whose own 95 % interval holds zero,
or that rises, projects nothing (no trend to extrapolate).

    python -m benchmarks.learning_curve docs/results/probes/v2 --spec docs/results/probes/v2/learning_curves_spec.json \
        --json docs/results/probes/v2/learning_curves.json -o docs/results/probes/v2/learning_curves.png
"""
from __future__ import annotations

import argparse
import json
import math
import sys
import textwrap
from pathlib import Path

import numpy as np

from f3edge.audio import atomic_path

from .json_out import emit
from .probes_plot import lower_is_better, metric, title
from .student_t import t95

TASKS = ("lid_tts", "kws", "ctc")


class SpecError(ValueError):
    """A spec that names a row, task or step the probe results do not have."""


def bar_threshold(rows: dict, key: str, baselines: list[str]) -> float:
    """The bound a recipe's interval must clear: the best baseline's interval edge on the far side."""
    edges = [rows[b][key]["mean"] - rows[b][key]["ci95"] if lower_is_better(key)
             else rows[b][key]["mean"] + rows[b][key]["ci95"] for b in baselines]
    return min(edges) if lower_is_better(key) else max(edges)


def meets_bar(mean: float, ci95: float, threshold: float, key: str) -> bool:
    return mean + ci95 < threshold if lower_is_better(key) else mean - ci95 > threshold


def error_of(score: float, key: str) -> float:
    """The probe's error: the digit error rate itself, or 1 - accuracy."""
    return score if lower_is_better(key) else 1.0 - score


def score_of(error: float, key: str) -> float:
    return error if lower_is_better(key) else 1.0 - error


def power_law_fit(steps: list[int], errors: list[float]) -> dict:
    """Least squares log10(error) = a + b log10(steps) (a power law, the usual learning-curve form: it
    stays above zero); b with its 95 % interval (Student t, n - 2 degrees of freedom)."""
    x, y = np.log10(np.asarray(steps, float)), np.log10(np.maximum(np.asarray(errors, float), 1e-4))
    n = len(x)
    if n < 3 or len(set(x.tolist())) < 3:
        raise ValueError("a trend needs three or more distinct step counts")
    b, a = np.polyfit(x, y, 1)
    resid = y - (a + b * x)
    se = math.sqrt(float(resid @ resid) / (n - 2) / float(((x - x.mean()) ** 2).sum()))
    return {"log10_error_intercept": float(a), "log10_error_slope": float(b),
            "slope_ci95": float(t95(n - 2) * se)}


def projected_error(fit: dict, steps: float) -> float:
    return float(10 ** (fit["log10_error_intercept"] + fit["log10_error_slope"] * math.log10(steps)))


def steps_to_bar(fit: dict, threshold_error: float, relative_half_width: float) -> float | None:
    """Steps at which the fitted error clears the bar (`threshold_error`, in error terms) with an interval
    half-width of `relative_half_width` times the error (the seeds' spread scales with the error level: the
    recipe's measured ratio); None where the fit has no falling trend (its slope's interval holds zero, or
    it rises) or the bar asks for an error of zero."""
    b, half = fit["log10_error_slope"], fit["slope_ci95"]
    needed = threshold_error / (1.0 + relative_half_width)
    if b >= 0 or abs(b) <= half or needed <= 0:
        return None
    return float(10 ** ((math.log10(needed) - fit["log10_error_intercept"]) / b))


def curves(results: dict[str, dict], spec: dict) -> dict:
    """Every recipe's points, bar and projection on every task of the spec."""
    out = {}
    for recipe, entry in spec["recipes"].items():
        out[recipe] = {}
        for task in entry.get("tasks", TASKS):
            if task not in results:
                raise SpecError(f"recipe {recipe!r}: no probe results for task {task!r}")
            r = results[task]
            key, _ = metric(r)
            for row in [*entry["rows"].values(), *entry["beats"]]:
                if row not in r["rows"]:
                    raise SpecError(f"{task}: no row {row!r}")
            steps = sorted(int(s) for s in entry["rows"])
            points = [{"steps": s, **{k: r["rows"][entry["rows"][str(s)]][key][k] for k in ("mean", "ci95")}}
                      for s in steps]
            threshold = bar_threshold(r["rows"], key, entry["beats"])
            for p in points:
                p["meets_bar"] = meets_bar(p["mean"], p["ci95"], threshold, key)
            task_out = {"metric": key, "bar_threshold": round(threshold, 4), "beats": entry["beats"],
                        "points": points}
            fitted = [p for p in points if p["steps"] >= int(entry.get("fit_from", 0))]
            if len(fitted) >= 3:
                fit = power_law_fit([p["steps"] for p in fitted], [error_of(p["mean"], key) for p in fitted])
                relative = float(np.median([p["ci95"] / max(error_of(p["mean"], key), 1e-4) for p in fitted]))
                to_bar = steps_to_bar(fit, error_of(threshold, key), relative)
                task_out["projection"] = {
                    "fitted_from_step": fitted[0]["steps"], **{k: round(v, 5) for k, v in fit.items()},
                    "falling": fit["log10_error_slope"] < -fit["slope_ci95"],
                    "median_relative_ci95": round(relative, 3),
                    "mean_at_10x_last_step": round(score_of(projected_error(fit, 10 * steps[-1]), key), 4),
                    "steps_to_bar": None if to_bar is None else round(to_bar)}
            out[recipe][task] = task_out
    return out


def plot(results: dict[str, dict], table: dict, out: str | Path) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    tasks = list(dict.fromkeys(t for rec in table.values() for t in rec))
    # the legend goes below the panels: recipe names are long, and inside a panel they squeeze it
    legend_rows = math.ceil(len(table) / 2)
    legend_inches = 0.2 + 0.2 * legend_rows
    fig, axes = plt.subplots(1, len(tasks), figsize=(4.6 * len(tasks), 4.2 + legend_inches), squeeze=False)
    colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for ax, task in zip(axes[0], tasks):
        for i, (recipe, rec) in enumerate(table.items()):
            if task not in rec:
                continue
            c, pts = colours[i % len(colours)], rec[task]["points"]
            ax.errorbar([p["steps"] for p in pts], [p["mean"] for p in pts], yerr=[p["ci95"] for p in pts],
                        marker="o", ms=4, capsize=3, color=c, label=recipe)
            ax.axhline(rec[task]["bar_threshold"], color=c, linestyle="--", linewidth=0.8)
            proj = rec[task].get("projection")
            if proj and proj["falling"]:   # a trend only: a flat or rising fit is not extrapolated
                fit = {k: proj[k] for k in ("log10_error_intercept", "log10_error_slope")}
                xs = np.geomspace(proj["fitted_from_step"], 10 * pts[-1]["steps"], 30)
                ax.plot(xs, [score_of(projected_error(fit, x), rec[task]["metric"]) for x in xs], color=c,
                        linestyle=":", linewidth=1)
        key, label = metric(results[task])
        ax.set_xscale("log")
        ax.set_xlabel("training steps (batch 8 x 5.12 s)", fontsize=9)
        ax.set_ylabel(label, fontsize=9)
        ax.set_title(title(results[task]), fontsize=10)
        ax.grid(alpha=0.3)
    handles, labels = axes[0][0].get_legend_handles_labels()
    fig.legend(handles, [textwrap.shorten(label, 110, placeholder="...") for label in labels], loc="lower center",
               ncol=2, fontsize=7, frameon=False)
    fig.suptitle("Probe score against training steps (mean and 95 % interval, 3 seeds); dashed: the bar each recipe "
                 "must clear; dotted: power-law fit of the error, where it falls, extrapolated to 10x", fontsize=9)
    fig.tight_layout(rect=(0, legend_inches / fig.get_figheight(), 1, 1))
    with atomic_path(out) as tmp:
        fig.savefig(tmp, dpi=110, format="png")
    plt.close(fig)


def to_markdown(table: dict) -> str:
    lines = ["| recipe | task | steps: mean +- 95 % (bar met?) | bar | error ~ steps^b: b +- 95 % | steps to bar |",
             "|---|---|---|---|---|---|"]
    for recipe, rec in table.items():
        for task, t in rec.items():
            pts = ", ".join(f"{p['steps']}: {p['mean']:.3f} +- {p['ci95']:.3f}{' (met)' if p['meets_bar'] else ''}"
                            for p in t["points"])
            proj = t.get("projection")
            slope = f"{proj['log10_error_slope']:+.2f} +- {proj['slope_ci95']:.2f}" if proj else "-"
            to_bar = ("-" if not proj else "no falling trend" if not proj["falling"]
                      else "needs an error of zero" if proj["steps_to_bar"] is None
                      else f"~{proj['steps_to_bar']:,}")
            side = "<" if lower_is_better(t["metric"]) else ">"
            lines.append(f"| {recipe} | {task} | {pts} | {side} {t['bar_threshold']:.3f} | {slope} | {to_bar} |")
    return "\n".join(lines) + "\n"


def read_spec(path: str) -> dict:
    spec = json.loads(Path(path).read_text())
    if not isinstance(spec, dict) or not isinstance(spec.get("recipes"), dict) or not spec["recipes"]:
        raise SpecError(f"{path}: a spec is {{\"recipes\": {{name: {{\"rows\": {{steps: row}}, \"beats\": [rows]}}}}}}")
    for name, entry in spec["recipes"].items():
        if not isinstance(entry.get("rows"), dict) or not entry["rows"] or not isinstance(entry.get("beats"), list) \
                or not entry["beats"] or not all(str(s).isdigit() and int(s) > 0 for s in entry["rows"]):
            raise SpecError(f"{path}: recipe {name!r} needs \"rows\" (positive steps -> row) and \"beats\" (rows)")
        tasks = entry.get("tasks", list(TASKS))
        if not isinstance(tasks, list) or not tasks or not set(tasks) <= set(TASKS):
            raise SpecError(f"{path}: recipe {name!r}: tasks must be a list drawn from {list(TASKS)}")
        if type(entry.get("fit_from", 0)) is not int or entry.get("fit_from", 0) < 0:
            raise SpecError(f"{path}: recipe {name!r}: fit_from must be a step count (a non-negative integer)")
    return spec


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.learning_curve", description=__doc__.splitlines()[0])
    p.add_argument("folder", help="probe results (lid_tts.json, kws.json, ctc.json)")
    p.add_argument("--spec", required=True, help="JSON: recipes, their rows per training step, the rows they must beat")
    p.add_argument("--json", help="write the table here (and a .md beside it)")
    p.add_argument("-o", "--output", help="the figure (PNG)")
    a = p.parse_args(argv)
    try:
        spec = read_spec(a.spec)
        results = {name: json.loads((Path(a.folder) / f"{name}.json").read_text()) for name in TASKS
                   if (Path(a.folder) / f"{name}.json").is_file()}
        table = curves(results, spec)
    except (OSError, ValueError) as e:   # SpecError and json's decode errors are ValueErrors
        print(f"learning_curve: {e}", file=sys.stderr)
        return 2
    except (KeyError, TypeError, AttributeError) as e:   # a results file that is not benchmarks.probes' layout
        print(f"learning_curve: {a.folder}: not probe results as benchmarks.probes writes them ({e!r})",
              file=sys.stderr)
        return 2
    emit(table, a.json, to_markdown(table))
    if a.output:
        plot(results, table, a.output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
