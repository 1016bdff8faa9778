"""Tux Paint stamp descriptions -> transcripts of their spoken descriptions, per language."""
from f3edge.data.manifest import Clip
from f3edge.data.stamp_transcripts import parse_stamp_text, transcripts_for

FROG = "A frog.\nbe.utf8=Жаба.\nhi.utf8=एक मेंढक|\npt_BR.utf8=Um sapo.\nes.utf8=\nca@valencia.utf8=Una granota.\n"


def test_the_first_line_is_english_and_each_utf8_line_a_translation():
    assert parse_stamp_text(FROG) == {"en": "A frog.", "be": "Жаба.", "hi": "एक मेंढक", "pt_BR": "Um sapo.",
                                      "ca@valencia": "Una granota."}
    assert parse_stamp_text("\n\n") == {}


def test_spoken_descriptions_get_the_text_of_their_language(tmp_path):
    (tmp_path / "animals").mkdir()
    (tmp_path / "animals" / "frog.txt").write_text(FROG)
    base = "c/wav16k/tuxpaint-stamps-default/tuxpaint/stamps/animals/"
    pkg = "tuxpaint-stamps-default"
    clips = [Clip(base + "frog_desc.wav", 1, pkg, "en"), Clip(base + "frog_desc_be.wav", 1, pkg, "be"),
             Clip(base + "frog_desc_pt_BR.wav", 1, pkg, "pt_BR"), Clip(base + "frog_desc_es.wav", 1, pkg, "es"),
             Clip(base + "frog_desc_ru.wav", 1, pkg, "ru"), Clip(base + "toad_desc.wav", 1, pkg, "en"),
             Clip(base + "frog.wav", 1, pkg, "-"), Clip("c/other/stamps/animals/frog_desc.wav", 1, "other", "en")]
    assert transcripts_for(clips, tmp_path) == {base + "frog_desc.wav": "A frog.", base + "frog_desc_be.wav": "Жаба.",
                                                base + "frog_desc_pt_BR.wav": "Um sapo."}
