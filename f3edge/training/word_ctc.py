"""Word targets for the per-frame CTC objective (train config `ctc_units: "words"`): each word of the transcript
is one unit, so a frame is asked to hold a whole word. Characters (char_ctc.py) and phones (phone_ctc.py) spread a
word over several frames; the CTC probe reads a whole digit from one frame, and stop 26 found the word within
five causal frames of the features, not in one.

Words are hashed into BUCKETS classes (CRC-32 of the word's UTF-8 bytes: the same class on every run and
machine), so the head needs no vocabulary saved beside it; words that share a class are read as one. The
English digit words have a class each (tested).

A word is what char_ctc's alphabet leaves between spaces; a lone numeral is read as its English word
("7" -> "seven"), as it is said. Longer numerals stay as written (one class for "25", however it is said).

The CTC loss is a mean per unit, so at one `ctc_weight` a clip's words weigh about 5 times its characters
(English transcripts hold ~5.3 characters per word, the space included): stop 41 used 0.19 for the character
objective's weight per clip."""
from __future__ import annotations

import zlib

from torch import Tensor

from .char_ctc import ctc_layout, spelled

BUCKETS = 2048
CLASSES = BUCKETS + 1       # blank, then the word classes
DIGIT_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")


def words(text: str) -> list[str]:
    """`text` as char_ctc spells it, split into words, lone numerals read as words."""
    return [DIGIT_WORDS[int(w)] if len(w) == 1 and w.isdigit() else w for w in spelled(text).split()]


def word_class(word: str) -> int:
    """The head's target id of `word` (1..BUCKETS; 0 is the blank)."""
    return 1 + zlib.crc32(word.encode("utf-8")) % BUCKETS


def word_targets(texts: list[str]) -> tuple[Tensor, Tensor]:
    """(concatenated target ids, their lengths) of `texts`, a word per unit."""
    return ctc_layout([[word_class(w) for w in words(t)] for t in texts])
