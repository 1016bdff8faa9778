import json

import pytest

from benchmarks.probe_seeds import main, seed_spread


def _ctc(rows: dict, fits: int = 10) -> dict:
    return {"task": "CTC: digits", "model": "m", "latent_space": "s", "clips": 9, "seeds": 3, "fits": fits,
            "rows": {n: {"digit_error_rate": {"mean": sum(r) / 3, "ci95": 0.0, "runs": r}, "dim": 4}
                     for n, r in rows.items()}}


SEEDS = {"recipe, seed 0 (bundled)": [0.01, 0.02, 0.03], "recipe, seed 1": [0.02, 0.03, 0.04],
         "recipe, seed 2": [0.03, 0.04, 0.05]}


def test_the_spread_is_over_each_seeds_split_mean_and_rows_are_ranked_in_the_better_direction():
    s = seed_spread(_ctc({**SEEDS, "average of seeds": [0.005, 0.015, 0.025]}),
                    ["seed 0", "seed 1", "seed 2"], ["average"])
    assert s["seeds"] == {"recipe, seed 0 (bundled)": 0.02, "recipe, seed 1": 0.03, "recipe, seed 2": 0.04}
    assert s["mean"] == pytest.approx(0.03) and s["sd"] == pytest.approx(0.01)
    row = s["rows"]["average of seeds"]
    assert row["mean"] == pytest.approx(0.015) and row["z"] == pytest.approx(-1.5) and row["rank"] == 1   # lowest error
    late = seed_spread(_ctc({**SEEDS, "x": [0.05, 0.05, 0.05]}), ["seed 0", "seed 1", "seed 2"], ["x"], splits=[0])
    assert late["mean"] == pytest.approx(0.02) and late["rows"]["x"]["rank"] == 4


def test_seeds_that_agree_exactly_give_no_z_and_still_print(tmp_path, capsys):
    same = _ctc({"run a": [0.02, 0.02, 0.02], "run b": [0.02, 0.02, 0.02], "arm": [0.01, 0.01, 0.01]})
    assert seed_spread(same, ["run a", "run b"], ["arm"])["rows"]["arm"]["z"] is None
    f = tmp_path / "same.json"
    f.write_text(json.dumps(same))
    assert main([str(f), "--seed-rows", "run a", "run b", "--row", "arm"]) == 0
    assert "z n/a  rank 1 of 3  arm" in capsys.readouterr().out


def test_a_seed_row_named_twice_is_refused():
    with pytest.raises(ValueError, match="twice"):
        seed_spread(_ctc(SEEDS), ["seed 1", "recipe, seed 1"])


def test_files_are_read_as_one_result_unless_they_measured_different_things(tmp_path, capsys):
    a, b, other = tmp_path / "a.json", tmp_path / "b.json", tmp_path / "c.json"
    a.write_text(json.dumps(_ctc({k: SEEDS[k] for k in list(SEEDS)[:2]})))
    b.write_text(json.dumps(_ctc({"recipe, seed 2": SEEDS["recipe, seed 2"]})))
    other.write_text(json.dumps(_ctc({"recipe, seed 2": SEEDS["recipe, seed 2"]}, fits=1)))
    out = tmp_path / "spread.json"
    assert main([str(a), str(b), "--seed-rows", "seed 0", "seed 1", "seed 2", "--json-out", str(out)]) == 0
    assert json.loads(out.read_text())["sd"] == pytest.approx(0.01)
    assert "seeds' mean 0.0300" in capsys.readouterr().out
    for argv in ([str(a), str(other), "--seed-rows", "seed 0", "seed 1", "seed 2"],           # other fit counts
                 [str(a), str(b), "--seed-rows", "seed 0", "seed 1", "--splits", "0", "3"],    # a split not there
                 [str(a), str(b), "--seed-rows", "seed 0", "seed 1", "--splits", "-1"]):
        assert main(argv) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and err[0].startswith("probe_seeds:")
