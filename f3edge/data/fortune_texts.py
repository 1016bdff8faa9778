"""English sentences for synthesized speech, from Debian's `fortunes-min` and `fortunes` packages (BSD,
fortune-mod's cookie files): each cookie file holds quotations separated by `%` lines, attributions on lines starting with `--`.
A sentence is kept when it reads aloud unambiguously: letters and plain punctuation only (no digits, whose
spoken form differs from the text; no symbols or code), a capital first letter, a final . ! or ?, and a
word count that a 5-second clip holds. The categories are named here: the computing ones (code, commands)
and the ones written as lists, verse layouts or jokes about groups of people are left out."""
from __future__ import annotations

import re
import tempfile
from pathlib import Path

TEXT_PACKAGES = ("fortunes-min", "fortunes")   # the first holds `fortunes` and `literature`, the second the rest
TEXT_ROOT = "usr/share/games/fortunes"
CATEGORIES = ("cookie", "education", "food", "fortunes", "humorists", "kids", "literature", "love",
              "miscellaneous", "people", "pets", "platitudes", "science", "sports", "wisdom", "work")
MIN_WORDS, MAX_WORDS = 3, 12
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")
_SPEAKER_TAG = re.compile(r"^[A-Z][A-Za-z]*:")    # "Q: ...", "M: ...": a dialogue label, not read aloud
_READABLE = re.compile(r"^[A-Z][A-Za-z ,;:'\"-]*[A-Za-z'\"][.!?]$")


def cookies(text: str) -> list[str]:
    """The quotations of one cookie file, attributions dropped, whitespace collapsed."""
    out = []
    for block in re.split(r"^%\s*$", text, flags=re.M):
        lines = []
        for line in block.splitlines():
            if line.strip().startswith("--"):
                break
            lines.append(line.strip())
        quote = " ".join(" ".join(lines).split())
        if quote:
            out.append(quote)
    return out


def readable_sentences(quote: str) -> list[str]:
    """The sentences of a quotation that read aloud as written (see the module's rules)."""
    quote = quote.replace("``", '"').replace("''", '"')
    keep = []
    for s in _SENTENCE_END.split(quote):
        s = s.strip()
        if _READABLE.match(s) and "--" not in s and not _SPEAKER_TAG.match(s) and MIN_WORDS <= len(s.split()) <= MAX_WORDS:
            keep.append(s)
    return keep


def sentences_from_folder(root: Path) -> list[tuple[str, str]]:
    """(category, sentence) pairs from unpacked cookie files, each sentence once, in a fixed order."""
    seen, out = set(), []
    for category in CATEGORIES:
        path = root / category
        if not path.is_file():
            continue
        for quote in cookies(path.read_text(encoding="utf-8", errors="replace")):
            for s in readable_sentences(quote):
                if s.lower() not in seen:
                    seen.add(s.lower())
                    out.append((category, s))
    return out


def fortune_sentences(debs: Path) -> list[tuple[str, str]]:
    """Fetch (once, into `debs`) the fortunes packages, unpack only their cookie files (text, nothing run) and
    return their readable sentences."""
    from .corpus import unpack_files
    with tempfile.TemporaryDirectory() as tmp:
        for package in TEXT_PACKAGES:
            unpack_files(package, debs, f"./{TEXT_ROOT}/*", tmp)
        return sentences_from_folder(Path(tmp) / TEXT_ROOT)
