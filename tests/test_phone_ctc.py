"""Phone targets of the per-frame CTC objective, and the table of unit kinds the trainer reads."""
import subprocess

import pytest

from f3edge.errors import TrainingConfigError
from f3edge.training import char_ctc, ctc_units, phone_ctc
from f3edge.training.phone_ctc import BLANK, CLASSES, UNITS, Phonemizer, PhonemizerUnavailable, units

needs_espeak = pytest.mark.skipif(not phone_ctc.shutil.which("espeak-ng"), reason="espeak-ng not installed")


def _spelled(ids):
    return " ".join(UNITS[i - 1] for i in ids)


def test_the_inventory_has_each_unit_once_and_the_blank_first():
    assert len(set(UNITS)) == len(UNITS) and CLASSES == len(UNITS) + 1 and BLANK == 0
    assert phone_ctc.WORD in UNITS and "" not in UNITS


def test_espeak_output_is_read_as_phones_and_word_boundaries_with_stress_dropped():
    ipa = " s ˈɛ v ə n  ˈeɪ t\n n ˈaɪ n\n"          # espeak-ng --ipa --sep=' ': words by two spaces, clauses by lines
    assert _spelled(units(ipa)) == "s ɛ v ə n   eɪ t   n aɪ n"
    assert units("") == [] and units(" \n  ") == [] and BLANK not in units(ipa)


def test_a_unit_not_in_the_inventory_falls_into_its_longest_known_parts():
    assert _spelled(units("t ʃ")) == "t ʃ" and _spelled(units("tʃ")) == "tʃ"     # one unit when written as one
    assert _spelled(units("aɪə")) == "aɪə" and _spelled(units("aɪəʊ")) == "aɪə ʊ"
    assert units("☃") == [] and _spelled(units("☃s")) == "s"                     # no known part: dropped


@needs_espeak
def test_english_text_is_phonemized_and_each_text_runs_espeak_once(monkeypatch):
    ph = Phonemizer()
    assert _spelled(ph("Seven, eight nine.")) == "s ɛ v ə n   eɪ t   n aɪ n"
    runs = []
    real = subprocess.run
    monkeypatch.setattr(phone_ctc.subprocess, "run", lambda *a, **k: runs.append(a) or real(*a, **k))
    ph("Seven, eight nine.")
    assert runs == []                                   # remembered
    ph("Seven, eight nine.", "cs")
    assert len(runs) == 1                               # another language is another phonemization


@needs_espeak
def test_targets_are_concatenated_with_their_lengths_in_each_clips_language():
    ids, lengths = Phonemizer().targets(["one", "", "dva"], ["en", "en", "cs"])
    assert lengths.tolist()[1] == 0 and len(ids) == sum(lengths.tolist())
    assert _spelled(ids[:lengths[0]].tolist()) == "w ʌ n" and _spelled(ids[lengths[0]:].tolist()) == "d v a"


@needs_espeak
def test_a_language_espeak_has_no_voice_for_is_one_clear_error():
    with pytest.raises(PhonemizerUnavailable, match="no voice"):
        Phonemizer()("text", "xx-nope")


def test_without_espeak_phone_targets_are_refused_with_how_to_install(monkeypatch):
    monkeypatch.setattr(phone_ctc.shutil, "which", lambda name: None)
    with pytest.raises(PhonemizerUnavailable, match="apt-get install espeak-ng"):
        Phonemizer()


def test_each_unit_kind_names_its_head_size_and_an_unknown_kind_is_a_config_error():
    assert ctc_units.classes("characters") == char_ctc.CLASSES and ctc_units.classes("phones") == CLASSES
    ids, lengths = ctc_units.targets("characters")(["ab"], ["en"])
    assert lengths.tolist() == [2] and ids.tolist() == char_ctc.characters("ab")
    with pytest.raises(TrainingConfigError, match="ctc_units must be one of characters, phones, words"):
        ctc_units.classes("syllables")
