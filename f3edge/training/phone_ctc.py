"""Phone targets for the per-frame CTC objective (train config `ctc_units: "phones"`): the transcript
phonemized by espeak-ng (Debian's `espeak-ng`, GPL-3, a rule-based phonemizer: no weights) instead of
spelled. English spelling maps to sounds irregularly ("though", "through"), so a per-frame linear head over
letters must learn a lexicon; over phones each target is a sound, which is what one 25 Hz frame can hold.

The inventory is the only rule for what a phone is: the IPA units espeak-ng writes for the corpus's
languages, stress marks dropped, plus the word boundary. espeak-ng's output is read word by word and cut
into inventory units by longest match, so a unit it writes that is not in the inventory falls into its
shorter known parts (a symbol with no known part is dropped).

espeak-ng runs once per distinct (text, language); the results are kept for the run (a training run
draws the same few thousand transcripts again and again).
"""
from __future__ import annotations

import shutil
import subprocess

from torch import Tensor

from ..errors import TrainingConfigError
from .char_ctc import ctc_layout

# vowels, diphthongs and r-coloured vowels, then consonants (stress removed): every unit espeak-ng 1.51 wrote
# for 150 of the corpus's English, Czech and Dutch transcripts each, plus French, Spanish and Italian units
PHONES = (
    "i", "iː", "ɪ", "ᵻ", "e", "eː", "eɪ", "ɛ", "ɛː", "æ", "a", "aː", "aɪ", "aʊ", "aɪə", "aɪɚ", "ɐ", "ə",
    "əl", "ɚ", "ɜː", "ʌ", "ɑ", "ɑː", "ɑːɹ", "ɒ", "ɔ", "ɔː", "ɔːɹ", "ɔɪ", "o", "oː", "oːɹ", "oʊ", "u", "uː",
    "ʊ", "ʊɹ", "ɪɹ", "ɛɹ", "iə", "y", "yː", "ø", "øː", "œ", "ɛ̃", "ɑ̃", "ɔ̃", "œ̃", "ʏ", "ɛɪ", "ʌʊ", "eʊ",
    "ɵ", "ɪː",
    "p", "b", "t", "d", "k", "ɡ", "ʔ", "m", "n", "n̩", "ɲ", "ŋ", "f", "v", "θ", "ð", "s", "z",
    "ʃ", "ʒ", "x", "ɣ", "h", "ɦ", "tʃ", "dʒ", "ts", "dz", "r", "ɾ", "ɹ", "r̝", "l", "ʎ", "j", "w",
    "ʁ", "ʋ", "ɟ", "c", "β", "r̝̊", "r̩", "l̩", "dʑ", "tʲ", "ɥ",
)
WORD = " "                              # the boundary between words (and clauses)
UNITS = PHONES + (WORD,)
BLANK = 0
CLASSES = len(UNITS) + 1                # the head's outputs: blank, then UNITS
_INDEX = {u: i + 1 for i, u in enumerate(UNITS)}
_LONGEST = max(len(u) for u in UNITS)
_STRESS = str.maketrans("", "", "ˈˌ")
# Whisper's language code -> espeak-ng's voice (the same code where not listed)
VOICES = {"en": "en-us"}


class PhonemizerUnavailable(TrainingConfigError):
    """No espeak-ng, or no voice for a clip's language: a run's set-up problem, reported as one line."""


def units(ipa: str) -> list[int]:
    """The head's target ids (no blank) of espeak-ng's `--ipa --sep=' '` output: phones separated by single
    spaces, words by runs of two or more spaces or newlines."""
    out: list[int] = []
    for word in ipa.translate(_STRESS).replace("\n", "  ").split("  "):
        ids = [i for phone in word.split() for i in _longest_match(phone)]
        if ids:
            if out:
                out.append(_INDEX[WORD])
            out.extend(ids)
    return out


def _longest_match(phone: str) -> list[int]:
    ids, k = [], 0
    while k < len(phone):
        for n in range(min(_LONGEST, len(phone) - k), 0, -1):
            if phone[k:k + n] in _INDEX:
                ids.append(_INDEX[phone[k:k + n]])
                k += n
                break
        else:
            k += 1          # a symbol with no known unit: dropped
    return ids


class Phonemizer:
    """Text -> phone ids through espeak-ng, remembered per (text, language)."""

    def __init__(self):
        if shutil.which("espeak-ng") is None:
            raise PhonemizerUnavailable("phone targets (ctc_units: phones) need espeak-ng: "
                                        "`apt-get install espeak-ng`")
        self._known: dict[tuple[str, str], list[int]] = {}

    def __call__(self, text: str, language: str = "en") -> list[int]:
        key = (text, language)
        if key not in self._known:
            voice = VOICES.get(language, language)
            run = subprocess.run(["espeak-ng", "-q", "-v", voice, "--ipa", "--sep= "], input=text,
                                 capture_output=True, text=True)
            if run.returncode != 0:
                raise PhonemizerUnavailable(f"espeak-ng has no voice {voice!r} (language {language!r}): "
                                            f"{run.stderr.strip()[:200]}")
            self._known[key] = units(run.stdout)
        return self._known[key]

    def targets(self, texts: list[str], languages: list[str]) -> tuple[Tensor, Tensor]:
        """(concatenated target ids, their lengths) of `texts` phonemized, each in its language."""
        return ctc_layout([self(t, lang) for t, lang in zip(texts, languages)])
