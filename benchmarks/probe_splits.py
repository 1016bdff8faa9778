"""A probe result's intervals over a subset of its splits: a row picked by looking at some splits is
confirmed on splits it was not picked on (`--seeds 6`, then splits 3-5 alone).

    python -m benchmarks.probe_splits docs/results/probes/v2/ctc_6seeds.json --splits 3 4 5
        --candidate "NAME" --against "latents" "stacked latents" "random-init encoder"   (one command line)

Prints each row's mean and 95 % interval (the probes' own `interval`) over those splits. With --candidate it
also says whether the candidate's interval is clear of every --against row's, in the metric's better
direction (lower digit error rate, higher accuracy)."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .learning_curve import bar_threshold, meets_bar
from .probes import interval
from .probes_plot import metric as headline_metric


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


def verdicts(s: dict, candidate: str, against: list[str]) -> dict[str, bool]:
    """{row: whether the candidate clears it}: the probes' bar (learning_curve's), one baseline at a time."""
    key = s["metric"]
    rows = {name: {key: v} for name, v in s["rows"].items()}
    c = s["rows"][candidate]
    return {n: meets_bar(c["mean"], c["ci95"], bar_threshold(rows, key, [n]), key) for n in against}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("json")
    p.add_argument("--splits", type=int, nargs="+", required=True)
    p.add_argument("--candidate")
    p.add_argument("--against", action="extend", nargs="+", default=[])   # repeated flags add up
    a = p.parse_args(argv)
    try:
        result = json.loads(Path(a.json).read_text())
        s = subset(result, a.splits)
        missing = [n for n in [a.candidate, *a.against] if n and n not in s["rows"]]
        if missing:
            raise ValueError(f"no row {missing[0]!r}")
    except (OSError, ValueError, KeyError) as e:
        print(f"probe_splits: {a.json}: {e}", file=sys.stderr)
        return 2
    print(f"{result.get('task', '')}: {s['metric']} over splits {a.splits}")
    for name, v in s["rows"].items():
        print(f"  {v['mean']:.4f} +- {v['ci95']:.4f}  {v['runs']}  {name}")
    if a.candidate:
        clears = verdicts(s, a.candidate, a.against)
        for n, ok in clears.items():
            print(f"  candidate {'clear of' if ok else 'overlaps'} {n}")
        print("confirmed" if all(clears.values()) else "not confirmed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
