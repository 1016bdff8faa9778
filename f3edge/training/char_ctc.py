"""A per-frame character objective for the representation encoder (train config `ctc_weight`): a linear head
on the features (`RepresentationModel.ctc_head`) reads each 25 Hz frame as a character or a blank, scored
with CTC against the transcript of the clip the frozen LM reads. The frozen LM's cross-attention can
gather a word from many frames, so nothing asks one frame to hold what is said at that moment; this
objective does.

The alphabet is the only rule for what a character is: lowercase Latin letters, digits, the apostrophe and
the space. Accents are stripped (NFKD), other characters dropped, runs of spaces collapsed.
"""
from __future__ import annotations

import unicodedata

import torch
import torch.nn.functional as F
from torch import Tensor

ALPHABET = " '0123456789abcdefghijklmnopqrstuvwxyz"
BLANK = 0
CLASSES = len(ALPHABET) + 1            # the head's outputs: blank, then ALPHABET
_INDEX = {c: i + 1 for i, c in enumerate(ALPHABET)}


def spelled(text: str) -> str:
    """`text` in the alphabet: lowercase, accents stripped, other characters dropped, spaces collapsed."""
    plain = unicodedata.normalize("NFKD", text.lower())
    kept = "".join(c if c in _INDEX else " " if c.isspace() else "" for c in plain if not unicodedata.combining(c))
    return " ".join(kept.split())


def characters(text: str) -> list[int]:
    """The head's target ids of `text` (no blank)."""
    return [_INDEX[c] for c in spelled(text)]


def ctc_layout(rows: list[list[int]]) -> tuple[Tensor, Tensor]:
    """Per-clip target ids -> (concatenated ids, their lengths): the layout `F.ctc_loss` reads (characters
    and phones alike)."""
    flat = [i for row in rows for i in row]
    return torch.tensor(flat, dtype=torch.long), torch.tensor([len(row) for row in rows], dtype=torch.long)


def character_targets(texts: list[str]) -> tuple[Tensor, Tensor]:
    """(concatenated target ids, their lengths) of `texts` spelled."""
    return ctc_layout([characters(t) for t in texts])


def char_ctc_loss(logits: Tensor, frames: Tensor, targets: Tensor, target_lengths: Tensor) -> Tensor:
    """logits (B, T, classes) over the valid `frames` (B,) of each clip -> mean CTC loss per target unit (a
    character here, or a phone: phone_ctc.py's targets use the same blank and layout).
    A transcript too long for its frames adds zero (and no gradient) instead of infinity."""
    logp = logits.float().log_softmax(-1).transpose(0, 1)
    return F.ctc_loss(logp, targets.to(logits.device), frames.to(logits.device), target_lengths.to(logits.device),
                      blank=BLANK, zero_infinity=True)
