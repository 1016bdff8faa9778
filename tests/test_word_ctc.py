"""Word targets of the per-frame CTC objective (f3edge/training/word_ctc.py): a word per unit, hashed into a
fixed number of classes, the digits each in a class of their own."""
import torch

from f3edge.training import ctc_units, word_ctc
from f3edge.training.word_ctc import BUCKETS, CLASSES, DIGIT_WORDS, word_class, word_targets, words


def test_words_are_the_spelled_transcript_split_with_lone_numerals_read_as_words():
    assert words("Press 7, then 25 and Zoë's  ONE.") == ["press", "seven", "then", "25", "and", "zoe's", "one"]
    assert words("") == [] and words(" ,;! ") == []


def test_a_word_has_one_class_on_every_call_inside_the_heads_range_and_never_the_blank():
    for w in ("seven", "hello", "25", "zoe's", "x" * 200):
        assert word_class(w) == word_class(w) and 1 <= word_class(w) <= BUCKETS
    assert CLASSES == BUCKETS + 1


def test_the_ten_digit_words_have_ten_classes():
    assert len({word_class(w) for w in DIGIT_WORDS}) == 10


def test_targets_are_laid_out_as_ctc_reads_them_and_the_unit_table_offers_words():
    ids, lengths = word_targets(["one two", "", "nine"])
    assert lengths.tolist() == [2, 0, 1]
    assert ids.tolist() == [word_class("one"), word_class("two"), word_class("nine")]
    assert ctc_units.classes("words") == CLASSES
    got = ctc_units.targets("words")(["seven 8"], ["en"])
    assert torch.equal(got[0], torch.tensor([word_class("seven"), word_class("eight")]))
