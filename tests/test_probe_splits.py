import json

import pytest

from benchmarks.probe_splits import find_row, main, paired, subset, verdicts
from benchmarks.probes import interval


def result(metric: str, rows: dict[str, list[float]], fits: int = 1) -> dict:
    task = "CTC: digit strings" if metric == "digit_error_rate" else "keyword spotting"
    return {"task": task, "model": "m", "latent_space": "s", "clips": 9, "fits": fits,
            "rows": {n: {metric: interval(runs), "dim": 4} for n, runs in rows.items()}}


def clear_of(candidate: list[float], other: list[float], metric: str) -> bool:
    s = subset(result(metric, {"c": candidate, "o": other}), [0, 1, 2])
    return verdicts(s, "c", ["o"])["o"]


def test_the_subset_interval_reads_only_the_named_splits():
    r = result("digit_error_rate", {"a": [0.9, 0.9, 0.9, 0.01, 0.02, 0.03]})
    s = subset(r, [3, 4, 5])
    assert s["metric"] == "digit_error_rate"
    assert s["rows"]["a"] == interval([0.01, 0.02, 0.03])


def test_a_split_the_result_does_not_have_is_refused():
    with pytest.raises(ValueError, match="3 splits"):
        subset(result("linear", {"a": [0.5, 0.6, 0.7]}), [1, 3])


def test_clear_means_non_overlapping_on_the_better_side():
    low, high = [0.01, 0.011, 0.012], [0.03, 0.031, 0.032]
    assert clear_of(low, high, "digit_error_rate") and not clear_of(high, low, "digit_error_rate")
    assert clear_of(high, low, "linear") and not clear_of(low, high, "linear")
    wide = [0.0, 0.02, 0.04]
    assert not clear_of(wide, high, "digit_error_rate")


def test_the_cli_says_confirmed_only_when_the_candidate_clears_every_row(tmp_path, capsys):
    path = tmp_path / "r.json"
    path.write_text(json.dumps(result("digit_error_rate", {
        "cand": [0.5, 0.5, 0.5, 0.010, 0.011, 0.012], "stacked": [0, 0, 0, 0.030, 0.031, 0.032],
        "close": [0, 0, 0, 0.011, 0.012, 0.013]})))
    assert main([str(path), "--splits", "3", "4", "5", "--candidate", "cand", "--against", "stacked"]) == 0
    assert capsys.readouterr().out.strip().endswith("\nconfirmed")
    assert main([str(path), "--splits", "3", "4", "5", "--candidate", "cand", "--against", "stacked", "close"]) == 0
    assert capsys.readouterr().out.strip().endswith("not confirmed")


def test_a_missing_file_or_row_is_one_line_and_exit_2(tmp_path, capsys):
    assert main([str(tmp_path / "none.json"), "--splits", "0", "1"]) == 2
    path = tmp_path / "r.json"
    path.write_text(json.dumps(result("linear", {"a": [0.5, 0.6, 0.7]})))
    assert main([str(path), "--splits", "0", "1", "--candidate", "b"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 2 and all(line.startswith("probe_splits: ") for line in err)


def test_a_row_is_named_by_a_part_that_names_one_row_only():
    rows = {"recipe, seed 0": {}, "recipe, seed 1": {}, "latents": {}, "stacked latents": {}}
    assert find_row(rows, "seed 1") == "recipe, seed 1"
    assert find_row(rows, "latents") == "latents"           # a full name wins over the rows it is part of
    for vague in ("recipe", "seed 7"):
        with pytest.raises(ValueError):
            find_row(rows, vague)


def test_a_candidate_in_its_own_file_is_read_against_another_files_baselines(tmp_path, capsys):
    base, cand, other = tmp_path / "base.json", tmp_path / "cand.json", tmp_path / "other.json"
    base.write_text(json.dumps(result("digit_error_rate", {"stacked latents": [0.030, 0.031, 0.032]}, fits=5)))
    cand.write_text(json.dumps(result("digit_error_rate", {"soup of seeds (stop 38)": [0.010, 0.011, 0.012]},
                                      fits=5)))
    other.write_text(json.dumps(result("digit_error_rate", {"soup, one fit": [0.01, 0.01, 0.01]}, fits=1)))
    argv = ["--splits", "0", "1", "2", "--candidate", "soup", "--against", "stacked"]
    assert main([str(base), str(cand), *argv]) == 0
    assert capsys.readouterr().out.strip().endswith("\nconfirmed")
    assert main([str(base), str(other), *argv]) == 2                  # another fit count is not merged
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("probe_splits: ") and "not merged" in err[0]


def test_the_subset_written_out_is_a_probe_result_over_those_splits_alone(tmp_path):
    from benchmarks import probes_plot
    path, out = tmp_path / "r.json", tmp_path / "sub" / "ctc.json"
    out.parent.mkdir()
    path.write_text(json.dumps(result("digit_error_rate", {"a": [0.9, 0.9, 0.9, 0.01, 0.02, 0.03]}, fits=5)))
    assert main([str(path), "--splits", "3", "4", "5", "--json-out", str(out)]) == 0
    sub = json.loads(out.read_text())
    assert sub["seeds"] == 3 and sub["splits"] == [3, 4, 5] and sub["fits"] == 5
    assert sub["rows"]["a"] == {"digit_error_rate": interval([0.01, 0.02, 0.03]), "dim": 4}
    assert probes_plot.read_results(out.parent) == [sub]


def test_the_paired_advantage_is_positive_where_the_candidate_is_better_in_the_metrics_direction():
    errors = result("digit_error_rate", {"cand": [0.010, 0.020, 0.040], "base": [0.020, 0.025, 0.035]})
    p = paired(errors, "cand", ["base"], [0, 1, 2])["base"]
    assert p["advantage"]["runs"] == pytest.approx([0.010, 0.005, -0.005])   # lower error is better
    assert p["better_on"] == 2 and p["splits"] == 3
    accuracy = result("linear", {"cand": [0.9, 0.8], "base": [0.7, 0.85]})
    p = paired(accuracy, "cand", ["base"], [0, 1])["base"]
    assert p["advantage"]["runs"] == pytest.approx([0.2, -0.05]) and p["better_on"] == 1


def test_the_cli_prints_the_paired_figures_beside_the_verdict_without_changing_it(tmp_path, capsys):
    path = tmp_path / "r.json"
    path.write_text(json.dumps(result("digit_error_rate", {   # better on every split, intervals overlapping
        "cand": [0.010, 0.030, 0.050], "stacked": [0.015, 0.036, 0.058]})))
    assert main([str(path), "--splits", "0", "1", "2", "--candidate", "cand", "--against", "stacked"]) == 0
    out = capsys.readouterr().out
    assert "paired: candidate better by +0.0063" in out and "on 3 of 3 splits" in out
    assert out.strip().endswith("not confirmed")
