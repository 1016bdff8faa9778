"""What the per-frame CTC objective's head spells (train config `ctc_units`): the one table of unit kinds,
read by the trainer for the head's size and the targets of each batch.

* "characters": the transcript spelled (char_ctc.py);
* "phones": the transcript phonemized by espeak-ng in the clip's language (phone_ctc.py);
* "words": the transcript's words, hashed into a fixed number of classes (word_ctc.py).
"""
from __future__ import annotations

from typing import Callable

from torch import Tensor

from . import char_ctc, phone_ctc, word_ctc

KINDS = ("characters", "phones", "words")

Targets = Callable[[list[str], list[str]], tuple[Tensor, Tensor]]   # (texts, languages) -> (ids, lengths)


def check(kind: str) -> None:
    if kind not in KINDS:
        from ..errors import TrainingConfigError
        raise TrainingConfigError(f"ctc_units must be one of {', '.join(KINDS)}, not {kind!r}")


def classes(kind: str) -> int:
    """The head's outputs (blank included)."""
    check(kind)
    return {"characters": char_ctc.CLASSES, "phones": phone_ctc.CLASSES, "words": word_ctc.CLASSES}[kind]


def targets(kind: str) -> Targets:
    """The function that turns a batch's transcripts (and their languages) into CTC targets."""
    check(kind)
    if kind == "characters":
        return lambda texts, languages: char_ctc.character_targets(texts)
    if kind == "words":
        return lambda texts, languages: word_ctc.word_targets(texts)
    return phone_ctc.Phonemizer().targets
