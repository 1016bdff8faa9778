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

Targets = Callable[[list[str], list[str]], tuple[Tensor, Tensor]]   # (texts, languages) -> (ids, lengths)

# kind -> (the head's outputs, blank included; a maker of the kind's Targets)
_UNITS: dict[str, tuple[int, Callable[[], Targets]]] = {
    "characters": (char_ctc.CLASSES, lambda: lambda texts, languages: char_ctc.character_targets(texts)),
    "phones": (phone_ctc.CLASSES, lambda: phone_ctc.Phonemizer().targets),
    "words": (word_ctc.CLASSES, lambda: lambda texts, languages: word_ctc.word_targets(texts)),
}
KINDS = tuple(_UNITS)


def check(kind: str) -> None:
    if kind not in KINDS:
        from ..errors import TrainingConfigError
        raise TrainingConfigError(f"ctc_units must be one of {', '.join(KINDS)}, not {kind!r}")


def classes(kind: str) -> int:
    """The head's outputs (blank included)."""
    check(kind)
    return _UNITS[kind][0]


def targets(kind: str) -> Targets:
    """The function that turns a batch's transcripts (and their languages) into CTC targets."""
    check(kind)
    return _UNITS[kind][1]()
