"""benchmarks.transcript_wer: Whisper's WER against a transcripts file; bad input -> one line, exit 2."""
import json
from pathlib import Path

import pytest

from benchmarks.transcript_wer import main


def test_matching_speech_scores_low_and_wrong_text_high(tmp_path: Path):
    pytest.importorskip("piper")
    pytest.importorskip("faster_whisper")
    from f3edge.data.synthetic_speech import synthesize
    synthesize(tmp_path, [("wisdom", "A dream will always triumph over reality.")], hours=1.0)
    t = json.loads(next(tmp_path.glob("transcripts.*.json")).read_text())
    (tmp_path / "right.json").write_text(json.dumps(t))
    (tmp_path / "wrong.json").write_text(json.dumps({k: "purple bicycles swim under frozen mountains" for k in t}))
    assert main([str(tmp_path / "right.json"), "--json", str(tmp_path / "right_wer.json")]) == 0
    assert main([str(tmp_path / "wrong.json"), "--json", str(tmp_path / "wrong_wer.json")]) == 0
    right = json.loads((tmp_path / "right_wer.json").read_text())
    wrong = json.loads((tmp_path / "wrong_wer.json").read_text())
    assert right["clips"] == 1 and right["wer"] < 0.5 < 0.9 < wrong["wer"]


@pytest.mark.parametrize("content,args", [("not json", []), ("{}", []), ('{"a.wav": "x"}', ["--clips", "0"])])
def test_bad_transcripts_or_options_give_one_line_and_exit_2(tmp_path: Path, capsys, content, args):
    (tmp_path / "t.json").write_text(content)
    assert main([str(tmp_path / "t.json"), *args]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error:")
