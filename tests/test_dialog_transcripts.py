"""The Fillets NG dialog scripts -> transcripts of the corpus's voice clips (parsed as text, never run)."""
import subprocess
import sys

from f3edge.data.dialog_transcripts import parse_dialogs, transcripts_for
from f3edge.data.manifest import Clip

SCRIPT = r'''
-- Init
dialogId("let-m-divna", "font_small", "What kind of strange ship is that?")
dialogStr("Co je to za divnou loď?")

dialogId("war-v-pohadka", nil, "We meet in C:\\WINDOWS and \"talk\".")
dialogStr(
"Scházíme se v C:\\WINDOWS a \"povídáme\"   si.")

dialogId("let-x-empty", "font_big", "Nothing.")
dialogStr("")
os.execute("rm -rf /")
'''


def test_dialog_lines_are_paired_with_their_spoken_text_and_escapes_are_read():
    got = parse_dialogs(SCRIPT)
    assert got == {"let-m-divna": "Co je to za divnou loď?",
                   "war-v-pohadka": 'Scházíme se v C:\\WINDOWS a "povídáme" si.'}


def test_clips_are_matched_by_level_language_and_line_id(tmp_path):
    for lang, text in (("cs", SCRIPT), ("nl", 'dialogId("let-m-divna", "font_small", "x")\ndialogStr("Wat een schip?")')):
        (tmp_path / "airplane").mkdir(exist_ok=True)
        (tmp_path / "airplane" / f"dialogs_{lang}.lua").write_text(text)
    root = "c/wav16k/fillets-ng-data-{l}/games/fillets-ng/sound/airplane/{l}/{i}.wav"
    clips = [Clip(root.format(l="cs", i="let-m-divna"), 1.0, "fillets-ng-data-cs", "cs"),
             Clip(root.format(l="nl", i="let-m-divna"), 1.0, "fillets-ng-data-nl", "nl"),
             Clip(root.format(l="cs", i="let-m-unknown"), 1.0, "fillets-ng-data-cs", "cs"),
             Clip("c/wav16k/asterisk/en/let-m-divna.wav", 1.0, "asterisk-core-sounds-en-g722", "en"),
             Clip(root.format(l="cs", i="let-m-divna").replace("/airplane/", "/other/"), 1.0, "fillets-ng-data-cs", "cs")]
    got = transcripts_for(clips, tmp_path)
    assert got == {clips[0].path: "Co je to za divnou loď?", clips[1].path: "Wat een schip?"}


def test_a_corpus_without_packages_that_carry_texts_is_one_line_and_exit_2(tmp_path):
    (tmp_path / "manifest.tsv").write_text("path\tpackage\tlang\torig_sr\tseconds\tlicense\tkind\n"
                                           "a.wav\tasterisk-core-sounds-en-g722\ten\t16000\t1.0\tx\tspeech\n")
    p = subprocess.run([sys.executable, "-m", "f3edge", "data", "texts", str(tmp_path)],
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 2 and "Traceback" not in p.stderr and len(p.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "debs").exists()   # refused before fetching anything
