"""The learning-curve table (benchmarks/learning_curve.py): the bar is the probes' own (non-overlapping
intervals against every baseline, in the metric's direction), the projection extrapolates a real trend and
refuses a flat one, and a spec naming a row the results lack is one line and exit status 2."""
import json

import pytest

from benchmarks.learning_curve import (bar_threshold, curves, main, meets_bar, power_law_fit, projected_error,
                                       steps_to_bar)


def _row(mean, ci):
    return {"linear": {"mean": mean, "ci95": ci}, "digit_error_rate": {"mean": mean, "ci95": ci}}


def test_the_bar_is_the_best_baselines_far_interval_edge_in_the_metrics_direction():
    rows = {"a": _row(0.90, 0.02), "b": _row(0.85, 0.10)}
    assert bar_threshold(rows, "linear", ["a", "b"]) == pytest.approx(0.95)     # accuracy: highest upper edge
    assert bar_threshold(rows, "digit_error_rate", ["a", "b"]) == pytest.approx(0.75)   # error: lowest lower edge
    assert meets_bar(0.97, 0.01, 0.95, "linear") and not meets_bar(0.97, 0.03, 0.95, "linear")
    assert meets_bar(0.70, 0.04, 0.75, "digit_error_rate") and not meets_bar(0.70, 0.06, 0.75, "digit_error_rate")


def test_a_power_law_trend_is_recovered_and_projected_to_where_it_clears_the_bar():
    steps = [1000, 2000, 4000, 8000]
    fit = power_law_fit(steps, [0.2 * (s / 1000) ** -0.5 for s in steps])
    assert fit["log10_error_slope"] == pytest.approx(-0.5) and fit["slope_ci95"] == pytest.approx(0, abs=1e-9)
    assert projected_error(fit, 100_000) == pytest.approx(0.02)
    # a bar at error 0.03, cleared with an interval of half the error: mean error 0.02, at 100 000 steps
    assert steps_to_bar(fit, 0.03, 0.5) == pytest.approx(100_000, rel=1e-6)
    assert steps_to_bar(fit, 0.0, 0.5) is None                           # a bar no error can clear


def test_no_projection_from_a_flat_or_rising_error():
    noisy_flat = power_law_fit([1000, 2000, 4000, 8000], [0.10, 0.08, 0.11, 0.09])
    assert steps_to_bar(noisy_flat, 0.05, 0.5) is None
    rising = power_law_fit([1000, 2000, 4000], [0.10, 0.12, 0.144])
    assert steps_to_bar(rising, 0.05, 0.5) is None
    with pytest.raises(ValueError):
        power_law_fit([1000, 2000], [0.1, 0.09])


def _results():
    rows = {"random": _row(0.86, 0.02), "run 1000": _row(0.85, 0.03), "run 2000": _row(0.87, 0.02),
            "run 4000": _row(0.92, 0.01)}
    return {"kws": {"task": "keyword spotting: digits", "rows": rows}}


def test_curves_mark_each_point_against_the_bar_and_project_the_recipe():
    spec = {"recipes": {"run": {"rows": {"4000": "run 4000", "1000": "run 1000", "2000": "run 2000"},
                                "beats": ["random"], "tasks": ["kws"]}}}
    t = curves(_results(), spec)["run"]["kws"]
    assert [p["steps"] for p in t["points"]] == [1000, 2000, 4000]
    assert [p["meets_bar"] for p in t["points"]] == [False, False, True]
    assert t["bar_threshold"] == pytest.approx(0.88) and "projection" in t


def test_a_spec_naming_a_row_the_results_lack_is_one_line_and_exit_status_2(tmp_path, capsys):
    (tmp_path / "kws.json").write_text(json.dumps(_results()["kws"]))
    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps({"recipes": {"run": {"rows": {"1000": "no such row"}, "beats": ["random"],
                                                    "tasks": ["kws"]}}}))
    assert main([str(tmp_path), "--spec", str(spec)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "no such row" in err
    spec.write_text("{\"recipes\": {}}")
    assert main([str(tmp_path), "--spec", str(spec)]) == 2


def test_the_fit_can_leave_out_the_first_steps_and_says_where_it_starts():
    spec = {"recipes": {"run": {"rows": {"4000": "run 4000", "1000": "run 1000", "2000": "run 2000"},
                                "beats": ["random"], "tasks": ["kws"], "fit_from": 2000}}}
    t = curves(_results(), spec)["run"]["kws"]
    assert len(t["points"]) == 3 and "projection" not in t      # two points left to fit: no trend claimed
    spec["recipes"]["run"]["fit_from"] = 1000
    assert curves(_results(), spec)["run"]["kws"]["projection"]["fitted_from_step"] == 1000


def test_a_results_file_of_another_layout_or_a_bad_tasks_list_is_one_line_and_exit_status_2(tmp_path, capsys):
    (tmp_path / "kws.json").write_text(json.dumps({"task": "keyword spotting", "rows": {"random": {"linear": 0.9},
                                                                                         "run 1000": {"linear": 0.9}}}))
    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps({"recipes": {"run": {"rows": {"1000": "run 1000"}, "beats": ["random"],
                                                    "tasks": ["kws"]}}}))
    assert main([str(tmp_path), "--spec", str(spec)]) == 2
    assert capsys.readouterr().err.strip().count("\n") == 0
    spec.write_text(json.dumps({"recipes": {"run": {"rows": {"1000": "run 1000"}, "beats": ["random"],
                                                    "tasks": "kws"}}}))
    assert main([str(tmp_path), "--spec", str(spec)]) == 2
    assert "tasks must be a list" in capsys.readouterr().err


def test_the_committed_spec_names_only_rows_the_committed_probe_results_hold():
    """A probe row renamed after the spec was written (a bundle's label moved on) stops the committed table
    from being regenerated; this catches it when the rename lands, not stops later."""
    from pathlib import Path

    from benchmarks.learning_curve import TASKS, read_spec
    folder = Path(__file__).resolve().parents[1] / "docs/results/probes/v2"
    results = {t: json.loads((folder / f"{t}.json").read_text()) for t in TASKS}
    spec = read_spec(str(folder / "learning_curves_spec.json"))
    table = curves(results, spec)
    assert set(table) == set(spec["recipes"])
