"""The spread of one recipe over its training seeds, from probe results: each seed's mean over the splits,
the seeds' mean and standard deviation, and where other rows (an arm, a weight average) sit against them.

A recipe's single run is one draw: stop 36 found that four seeds of the bundled recipe differ on the CTC
probe as much as any two recipes compared before. So an arm is read against the recipe's seeds, not
against the one seed that was bundled.

    python -m benchmarks.probe_seeds docs/results/probes/v2/ctc_6seeds_10fits.json \\
        docs/results/probes/v2/ctc_6seeds_10fits_seeds.json \\
        --seed-rows "bundled" "training seed 1" "training seed 2" "training seed 3" --row "seeds 0-3"

Several files are read as one result (they must measure the same task, model, clips, splits and fits).
A row is named by its full name or by any part of it that names one row only."""
from __future__ import annotations

import argparse
import json
import statistics
import sys

from .json_out import write_text
from .probes import read_as_one
from .probe_splits import find_row, runs_over
from .probes_plot import metric as headline_metric


def split_mean(name: str, row: dict, metric: str, splits: list[int] | None) -> float:
    runs = row[metric]["runs"]
    return statistics.fmean(runs if splits is None else runs_over(name, runs, splits))


def seed_spread(result: dict, seed_rows: list[str], rows: list[str] = (), splits: list[int] | None = None) -> dict:
    """{seeds: {row: mean}, mean, sd, rows: {row: {mean, z, rank}}}: rank 1 is the best of the seeds and the row
    (lowest error or highest accuracy), z the row's distance from the seeds' mean in their sd."""
    if len(seed_rows) < 2:
        raise ValueError("a spread needs at least 2 seed rows")
    metric = headline_metric(result)[0]
    lower_is_better = metric == "digit_error_rate"
    names = [find_row(result["rows"], n) for n in seed_rows]
    if len(set(names)) < len(names):
        raise ValueError("a seed row is named twice")
    seeds = {n: split_mean(n, result["rows"][n], metric, splits) for n in names}
    mean, sd = statistics.fmean(seeds.values()), statistics.stdev(seeds.values())
    others = {}
    for given in rows:
        n = find_row(result["rows"], given)
        m = split_mean(n, result["rows"][n], metric, splits)
        better = sum((s < m) if lower_is_better else (s > m) for s in seeds.values())
        others[n] = {"mean": round(m, 4), "z": round((m - mean) / sd, 2) if sd else None, "rank": better + 1}
    return {"metric": metric, "splits": splits, "seeds": {n: round(v, 4) for n, v in seeds.items()},
            "mean": round(mean, 4), "sd": round(sd, 4), "rows": others}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.probe_seeds", description=__doc__.split("\n\n")[0])
    p.add_argument("json", nargs="+", help="probe results (benchmarks/probes.py --json), read as one")
    p.add_argument("--seed-rows", action="extend", nargs="+", required=True,
                   help="the recipe's runs, one per training seed")
    p.add_argument("--row", action="extend", nargs="+", default=[], help="rows read against the seeds")
    p.add_argument("--splits", type=int, nargs="+", help="default: every split of the result")
    p.add_argument("--json-out", help="also write the spread here")
    a = p.parse_args(argv)
    try:
        result = read_as_one(a.json)
        s = seed_spread(result, a.seed_rows, a.row, a.splits)
    except (OSError, ValueError, KeyError, TypeError) as e:   # JSONDecodeError is a ValueError
        print(f"probe_seeds: {e}", file=sys.stderr)
        return 2
    where = "every split" if a.splits is None else f"splits {a.splits}"
    lines = [f"{result.get('task', '')}: {s['metric']}, each row's mean over {where}"]
    lines += [f"  seed  {v:.4f}  {n}" for n, v in s["seeds"].items()]
    lines.append(f"  seeds' mean {s['mean']:.4f}, sd {s['sd']:.4f} ({len(s['seeds'])} seeds)")
    lines += [f"  row   {v['mean']:.4f}  z {'n/a' if v['z'] is None else format(v['z'], '+.2f')}  "
              f"rank {v['rank']} of {len(s['seeds']) + 1}  {n}" for n, v in s["rows"].items()]
    print("\n".join(lines))
    if a.json_out:
        write_text(a.json_out, json.dumps(s, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
