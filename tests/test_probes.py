"""The probe machinery (benchmarks/probes.py, benchmarks/spoken_digits.py): splits hold out whole speakers,
and each probe learns what its features plainly carry (features built to carry it; the measured numbers
come from real features in docs/results/probes/)."""
import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from benchmarks.probes import ctc_probe, linear_probe, speaker_split


def test_a_speaker_split_holds_out_whole_speakers_and_changes_with_the_seed():
    speakers = np.repeat([f"s{i}" for i in range(12)], 5)
    a, b = speaker_split(speakers, 0), speaker_split(speakers, 1)
    assert a.sum() == 20 and b.sum() == 20
    for s in set(speakers):
        assert len(set(a[speakers == s])) == 1          # all of a speaker's clips on one side
    assert (a != b).any()


def _digit_frames(digits: str, rng, dim: int = 16) -> np.ndarray:
    """Frames that spell the digits: each digit's code for 3 frames, noise frames between."""
    codes = np.eye(dim)[:10] * 4
    rows = [rng.normal(size=(2, dim))]
    for d in digits:
        rows += [codes[int(d)] + 0.3 * rng.normal(size=(3, dim)), rng.normal(size=(2, dim))]
    return np.concatenate(rows).astype(np.float32)


def test_the_ctc_probe_transcribes_frames_that_spell_the_digits():
    rng = np.random.default_rng(0)
    ys = ["".join(rng.choice(list("0123456789"), size=4)) for _ in range(60)]
    xs = [_digit_frames(y, rng) for y in ys]
    err = ctc_probe(xs[:45], ys[:45], xs[45:], ys[45:], seed=0, iterations=100, restarts=2)
    assert err < 0.15
    noise = [rng.normal(size=x.shape).astype(np.float32) for x in xs]
    assert ctc_probe(noise[:45], ys[:45], noise[45:], ys[45:], seed=0, iterations=100, restarts=2) > 0.5


def test_the_ctc_probe_gives_the_same_error_for_the_same_seed():
    rng = np.random.default_rng(1)
    ys = ["".join(rng.choice(list("0123456789"), size=3)) for _ in range(30)]
    xs = [_digit_frames(y, rng) + rng.normal(size=(1, 16)).astype(np.float32) for y in ys]
    runs = [ctc_probe(xs[:20], ys[:20], xs[20:], ys[20:], seed=3, iterations=30, restarts=2) for _ in range(2)]
    assert runs[0] == runs[1]


def test_the_linear_probe_reads_a_class_a_feature_carries_and_not_one_it_lacks():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 4, size=400)
    carries = (np.eye(8)[y] + 0.25 * rng.normal(size=(400, 8))).astype(np.float32)
    lacks = rng.normal(size=(400, 8)).astype(np.float32)
    assert linear_probe(carries[:300], y[:300], carries[300:], y[300:], 4, seed=0) > 0.9
    assert linear_probe(lacks[:300], y[:300], lacks[300:], y[300:], 4, seed=0) < 0.45


@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed")
def test_spoken_digit_clips_are_synthesized_once_and_labelled(tmp_path, monkeypatch):
    from benchmarks import spoken_digits
    monkeypatch.setattr(spoken_digits, "ACCENTS", ("en-us",))
    monkeypatch.setattr(spoken_digits, "VARIANTS", ("m1", "f2"))
    clips = spoken_digits.isolated_digits(tmp_path)
    assert len(clips) == 20 and {c.speaker for c in clips} == {"espeak-en-us-m1", "espeak-en-us-f2"}
    assert sorted({c.digits for c in clips}) == list("0123456789")
    stamp = {c.path: (tmp_path / c.path).stat().st_mtime_ns for c in clips}
    assert [c.path for c in spoken_digits.isolated_digits(tmp_path)] == list(stamp)     # cached: same files
    assert all((tmp_path / p).stat().st_mtime_ns == t for p, t in stamp.items())
    strings = spoken_digits.digit_strings(tmp_path, per_speaker=2)
    assert len(strings) == 4 and all(3 <= len(c.digits) <= 6 for c in strings)


def test_clip_classification_learns_what_its_features_carry_and_not_noise():
    from benchmarks.probes import classify_rows
    rng = np.random.default_rng(0)
    labels = np.repeat(np.arange(4), 30)
    speakers = np.tile(np.repeat([f"s{i}" for i in range(6)], 5), 4)
    carrying = [np.eye(4)[y] * 2 + 0.5 * rng.normal(size=4) for y in labels]
    noise = [rng.normal(size=4) for _ in labels]
    rows = classify_rows({"carrying": carrying, "noise": noise}, labels, 4,
                         lambda seed: speaker_split(speakers, seed), (0, 1, 2), log=lambda m: None)
    assert rows["carrying"]["linear"]["mean"] > 0.9 and rows["carrying"]["knn"]["mean"] > 0.9
    assert rows["noise"]["linear"]["mean"] < 0.5 and len(rows["noise"]["linear"]["runs"]) == 3


@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed")
def test_numbers_are_read_by_the_same_voices_in_every_language(tmp_path, monkeypatch):
    from benchmarks import spoken_digits
    monkeypatch.setattr(spoken_digits, "VARIANTS", ("m1", "f2", "m3"))
    monkeypatch.setattr(spoken_digits, "LANGUAGE_VOICES", {"es": "es", "ru": "ru"})
    clips = spoken_digits.numbers_in_languages(tmp_path, per_voice=2)
    assert len(clips) == 12 and {c.lang for c in clips} == {"es", "ru"}
    by_lang = {lang: [(c.speaker, c.digits) for c in clips if c.lang == lang] for lang in ("es", "ru")}
    assert by_lang["es"] == by_lang["ru"]            # same voices, same numbers: only the language differs
    assert all(Path(c.path).stat().st_size > 1000 for c in clips)
    speakers = np.array([c.speaker for c in clips])
    test = speaker_split(speakers, 0)
    for s in set(speakers[test]):                    # a held-out voice is held out in every language
        assert {c.lang for c, t in zip(clips, test) if t and c.speaker == s} == {"es", "ru"}


def test_the_probe_figure_is_drawn_from_the_result_files_and_a_missing_folder_is_exit_2(tmp_path):
    from benchmarks import probes_plot
    row = {"linear": {"mean": 0.9, "ci95": 0.02, "runs": [0.9] * 3}, "knn": {"mean": 0.8, "ci95": 0.0, "runs": [0.8] * 3}}
    (tmp_path / "kws.json").write_text(json.dumps({"task": "keyword spotting: digits", "model": "m", "latent_space": "s",
                                                   "speakers": 3, "clips": 9, "rows": {"a": row, "b": row}}))
    ctc = {"digit_error_rate": {"mean": 0.1, "ci95": 0.01, "runs": [0.1] * 3}}
    (tmp_path / "ctc.json").write_text(json.dumps({"task": "CTC: strings", "model": "m", "latent_space": "s",
                                                   "speakers": 3, "clips": 9, "rows": {"a": ctc}}))
    assert probes_plot.main([str(tmp_path), "-o", str(tmp_path / "p.png")]) == 0
    assert (tmp_path / "p.png").read_bytes()[:4] == b"\x89PNG"
    assert probes_plot.main([str(tmp_path / "nothing"), "-o", str(tmp_path / "q.png")]) == 2
    assert not (tmp_path / "q.png").exists()


def test_a_headline_figure_keeps_the_named_rows_in_the_order_given_and_refuses_a_vague_name(tmp_path, capsys):
    from benchmarks import probes_plot
    row = {"linear": {"mean": 0.9, "ci95": 0.02, "runs": [0.9] * 3}}
    kws = {"task": "keyword spotting: digits", "model": "m", "latent_space": "s", "speakers": 3, "clips": 9,
           "rows": {"run 1 (stop 1)": row, "run 2 (stop 2)": row, "stacked latents": row, "latents": row}}
    ctc = {**kws, "task": "CTC: strings", "rows": {"latents": {"digit_error_rate": row["linear"]}}}
    picked = probes_plot.only_rows([kws, ctc], ["latents", "stop 2"])
    assert list(picked[0]["rows"]) == ["latents", "run 2 (stop 2)"] and list(picked[1]["rows"]) == ["latents"]
    (tmp_path / "kws.json").write_text(json.dumps(kws))
    assert probes_plot.main([str(tmp_path), "-o", str(tmp_path / "p.png"), "--rows", "stop 1", "stacked"]) == 0
    assert probes_plot.main([str(tmp_path), "-o", str(tmp_path / "q.png"), "--rows", "run"]) == 2   # names 2 rows
    assert not (tmp_path / "q.png").exists()
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("probes_plot: ")


def test_an_update_keeps_rows_measured_once_and_refuses_another_measurement():
    from benchmarks.probes import merged
    head = {"task": "t", "model": "m", "latent_space": "s", "clips": 9}
    old = {**head, "rows": {"log-mel": 1, "reference": 2}}
    new = {**head, "rows": {"log-mel": 3, "trained": 4}}
    assert merged(old, new)["rows"] == {"log-mel": 3, "trained": 4, "reference": 2}
    with pytest.raises(ValueError, match="not merged"):
        merged({**old, "clips": 10}, new)
    assert merged(old, {**new, "seeds": 3})["seeds"] == 3          # results written before --seeds had 3
    with pytest.raises(ValueError, match="not merged"):             # intervals over another number of splits
        merged(old, {**new, "seeds": 5})


def test_fewer_than_two_splits_are_refused_before_any_work(capsys):
    from benchmarks.probes import main
    with pytest.raises(SystemExit) as e:
        main(["--task", "kws", "--seeds", "1"])
    assert e.value.code == 2 and "at least 2" in capsys.readouterr().err


def test_only_the_named_rows_are_probed_and_an_existing_result_is_never_written_over_without_update(tmp_path,
                                                                                                    capsys):
    from benchmarks.probes import main, selected
    feats = {"log-mel": [1], "latents": [2], "random-init encoder": [3], "trained": [4]}
    assert selected(feats, {"trained"}) == {"trained": [4]}
    assert selected(feats, None) is feats
    with pytest.raises(SystemExit) as e:
        main(["--task", "kws", "--only-representations", "--update", "--json", str(tmp_path / "r.json")])
    assert e.value.code == 2 and "--only-representations needs --representation" in capsys.readouterr().err
    existing = tmp_path / "old.json"
    existing.write_text("{}")
    with pytest.raises(SystemExit) as e:
        main(["--task", "kws", "--only-representations", "--representation", "x=y", "--json", str(existing)])
    assert e.value.code == 2 and "exists; add --update" in capsys.readouterr().err
    assert existing.read_text() == "{}"


def test_a_missing_representation_checkpoint_is_one_line_and_exit_2_before_any_work(tmp_path, capsys):
    from benchmarks.probes import main
    assert main(["--task", "ctc", "--representation", f"x={tmp_path / 'nope'}", "--json", str(tmp_path / "r.json")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "nope" in err[0] and not (tmp_path / "r.json").exists()


def test_every_repeated_representation_flag_is_probed_and_a_name_given_twice_is_refused(tmp_path, capsys):
    from benchmarks.probes import main
    first, second = tmp_path / "first", tmp_path / "second"
    # both flags are kept: the first missing checkpoint is the one reported, before any work
    assert main(["--task", "ctc", "--representation", f"a={first}", "--representation", f"b={second}",
                 "--json", str(tmp_path / "r.json")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "first" in err[0] and not (tmp_path / "r.json").exists()
    with pytest.raises(SystemExit) as e:
        main(["--task", "ctc", "--representation", f"a={first}", f"a={second}"])
    assert e.value.code == 2 and "names 'a' twice" in capsys.readouterr().err


def test_more_ctc_fits_average_fits_from_other_inits_and_one_fit_is_the_old_probe():
    rng = np.random.default_rng(2)
    ys = ["".join(rng.choice(list("0123456789"), size=3)) for _ in range(30)]
    xs = [_digit_frames(y, rng) + rng.normal(size=(1, 16)).astype(np.float32) for y in ys]
    args = (xs[:20], ys[:20], xs[20:], ys[20:])
    kw = dict(iterations=20, restarts=2)
    one = ctc_probe(*args, seed=3, **kw)
    assert ctc_probe(*args, seed=3, fits=1, **kw) == one
    # the second fit starts from the inits FIT_SEED_STRIDE further on: the seed whose first fit starts there
    from benchmarks.probes import FIT_SEED_STRIDE
    other = ctc_probe(*args, seed=3 + FIT_SEED_STRIDE // 2, **kw)
    assert other != one                                               # so the mean below tells them apart
    assert ctc_probe(*args, seed=3, fits=2, **kw) == pytest.approx((one + other) / 2)


def test_results_of_other_fit_counts_are_not_merged():
    from benchmarks.probes import merged
    base = {"task": "ctc", "model": "m", "latent_space": "s", "clips": 5, "rows": {"a": {}}}
    assert set(merged(base, {**base, "rows": {"b": {}}})["rows"]) == {"a", "b"}
    with pytest.raises(ValueError, match="fits"):
        merged(base, {**base, "fits": 3, "rows": {"b": {}}})


def test_files_read_as_one_keep_the_later_files_row_and_name_a_file_that_cannot_be_read(tmp_path):
    from benchmarks.probes import read_as_one
    base = {"task": "ctc", "model": "m", "latent_space": "s", "clips": 5}
    a, b, broken = tmp_path / "a.json", tmp_path / "b.json", tmp_path / "broken.json"
    a.write_text(json.dumps({**base, "rows": {"x": 1, "y": 1}}))
    b.write_text(json.dumps({**base, "rows": {"y": 2}}))
    broken.write_text("{not json")
    assert read_as_one([a, b])["rows"] == {"y": 2, "x": 1}
    with pytest.raises(ValueError, match="broken.json"):
        read_as_one([a, broken])
