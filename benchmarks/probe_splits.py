"""A probe result's intervals over a subset of its splits: a row picked by looking at some splits is
confirmed on splits it was not picked on (`--seeds 6`, then splits 3-5 alone).

    python -m benchmarks.probe_splits docs/results/probes/v2/ctc_6seeds.json --splits 3 4 5
        --candidate "NAME" --against "latents" "stacked latents" "random-init encoder"   (one command line)

Several files are read as one result (they must measure the same task, model, clips, splits and fits), so a
candidate probed into its own file is read against the baselines of another. A row is named by its full name
or by any part of it that names one row only. --json-out writes the rows over those splits as a probe result of
its own (the headline metric only), which the figure (`benchmarks.probes_plot`) reads like any other.

Prints each row's mean and 95 % interval (the probes' own `interval`) over those splits. With --candidate it
also says whether the candidate's interval is clear of every --against row's, in the metric's better
direction (lower digit error rate, higher accuracy), and, beside that verdict, the paired comparison the
splits allow: the candidate's advantage over each row split by split (positive: better), its mean and 95 %
interval, and on how many splits it is better. The verdict is the issue's bar; the paired figures are reported
next to it, never in its place."""
from __future__ import annotations

import argparse
import json
import sys

from .json_out import write_text
from .learning_curve import bar_threshold, meets_bar
from .probes import interval, read_as_one
from .probes_plot import lower_is_better, metric as headline_metric


def find_row(rows: dict, name: str) -> str:
    """The row called `name`, or the one row whose name contains it."""
    if name in rows:
        return name
    hits = [r for r in rows if name in r]
    if len(hits) != 1:
        raise ValueError(f"{name!r} names {'no row' if not hits else f'{len(hits)} rows'}")
    return hits[0]


def runs_over(name: str, runs: list[float], splits: list[int]) -> list[float]:
    """Row `name`'s per-split figures `runs` at `splits`; a split it does not have is refused."""
    outside = [i for i in splits if not 0 <= i < len(runs)]
    if outside:
        raise ValueError(f"row {name!r} has {len(runs)} splits; asked for split {outside[0]}")
    return [runs[i] for i in splits]


def subset(result: dict, splits: list[int]) -> dict[str, dict]:
    """{row: interval over `splits`} of the result's headline metric."""
    metric = headline_metric(result)[0]
    return {"metric": metric, "rows": {name: interval(runs_over(name, row[metric]["runs"], splits))
                                       for name, row in result["rows"].items()}}


def as_result(result: dict, s: dict, splits: list[int]) -> dict:
    """The subset `s` of `result` as a probe result over `splits` alone: what the result measured, its rows'
    headline intervals over those splits."""
    meta = {k: v for k, v in result.items() if k != "rows"}
    rows = {n: {s["metric"]: v, **({"dim": result["rows"][n]["dim"]} if "dim" in result["rows"][n] else {})}
            for n, v in s["rows"].items()}
    return {**meta, "seeds": len(splits), "splits": list(splits), "rows": rows}


def verdicts(s: dict, candidate: str, against: list[str]) -> dict[str, bool]:
    """{row: whether the candidate clears it}: the probes' bar (learning_curve's), one baseline at a time."""
    key = s["metric"]
    rows = {name: {key: v} for name, v in s["rows"].items()}
    c = s["rows"][candidate]
    return {n: meets_bar(c["mean"], c["ci95"], bar_threshold(rows, key, [n]), key) for n in against}


def paired(result: dict, candidate: str, against: list[str], splits: list[int]) -> dict[str, dict]:
    """{row: the candidate's advantage over it on each split (the metric's better direction positive), its
    interval, and the count of splits where it is positive}."""
    metric = headline_metric(result)[0]
    sign = -1.0 if lower_is_better(metric) else 1.0
    mine = runs_over(candidate, result["rows"][candidate][metric]["runs"], splits)
    out = {}
    for name in against:
        theirs = runs_over(name, result["rows"][name][metric]["runs"], splits)
        advantage = [sign * (c - t) for c, t in zip(mine, theirs)]
        out[name] = {"advantage": interval(advantage), "better_on": sum(a > 0 for a in advantage),
                     "splits": len(advantage)}
    return out


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("json", nargs="+", help="probe results (benchmarks/probes.py --json), read as one")
    p.add_argument("--splits", type=int, nargs="+", required=True)
    p.add_argument("--candidate")
    p.add_argument("--against", action="extend", nargs="+", default=[])   # repeated flags add up
    p.add_argument("--json-out", help="also write the rows over these splits here, as a probe result")
    a = p.parse_args(argv)
    try:
        result = read_as_one(a.json)
        s = subset(result, a.splits)
        candidate = find_row(s["rows"], a.candidate) if a.candidate else None
        against = [find_row(s["rows"], n) for n in a.against]
    except (OSError, ValueError, KeyError, TypeError) as e:   # JSONDecodeError is a ValueError
        print(f"probe_splits: {e}", file=sys.stderr)
        return 2
    print(f"{result.get('task', '')}: {s['metric']} over splits {a.splits}")
    for name, v in s["rows"].items():
        print(f"  {v['mean']:.4f} +- {v['ci95']:.4f}  {v['runs']}  {name}")
    if candidate:
        clears = verdicts(s, candidate, against)
        for n, ok in clears.items():
            print(f"  candidate {'clear of' if ok else 'overlaps'} {n}")
        for n, v in paired(result, candidate, against, a.splits).items():
            d = v["advantage"]
            print(f"  paired: candidate better by {d['mean']:+.4f} +- {d['ci95']:.4f}, on {v['better_on']} of "
                  f"{v['splits']} splits, than {n}")
        print("confirmed" if all(clears.values()) else "not confirmed")
    if a.json_out:
        write_text(a.json_out, json.dumps(as_result(result, s, a.splits), indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
