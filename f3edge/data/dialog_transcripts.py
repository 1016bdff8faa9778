"""Real transcripts of the corpus's Fillets NG voice clips (Czech and Dutch, several voice actors), read from
the game's own dialog scripts in the `fillets-ng-data` package (GPL-2): each level's `dialogs_<lang>.lua`
pairs a line id with its text,

    dialogId("let-m-divna", "font_small", "What kind of strange ship is that?")
    dialogStr("Co je to za divnou loď?")

and the voice package holds `sound/<level>/<lang>/<id>.ogg`. The scripts are parsed as text by a regular
expression (never executed). The written file has the layout of every transcripts file ({clip path: text},
lm/transcripts.py); the clip's language is the corpus manifest's.
"""
from __future__ import annotations

import re
from pathlib import Path

TEXT_PACKAGE = "fillets-ng-data"
TEXT_FILES = "./usr/share/games/fillets-ng/script/*/dialogs_*.lua"   # what to unpack from TEXT_PACKAGE
TEXT_ROOT = "usr/share/games/fillets-ng/script"                      # transcripts_for's root, in the unpacked tree
VOICE_PACKAGES = {"fillets-ng-data-cs": "cs", "fillets-ng-data-nl": "nl"}
_STRING = r'"((?:[^"\\]|\\.)*)"'
_PAIR = re.compile(r"dialogId\(\s*" + _STRING + r"\s*,\s*(?:" + _STRING + r"|nil)\s*,\s*" + _STRING + r"\s*\)\s*"
                   r"dialogStr\(\s*" + _STRING + r"\s*\)")
_ESCAPES = {"n": " ", "t": " ", '"': '"', "\\": "\\", "'": "'"}


def _unescape(s: str) -> str:
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), m.group(1)), s)


def parse_dialogs(text: str) -> dict[str, str]:
    """{line id: spoken text} of one dialogs_<lang>.lua (lines with empty text are left out)."""
    out = {}
    for m in _PAIR.finditer(text):
        line_id, spoken = _unescape(m.group(1)), " ".join(_unescape(m.group(4)).split())
        if spoken:
            out[line_id] = spoken
    return out


def dialog_texts(script_root: Path, lang: str) -> dict[tuple[str, str], str]:
    """{(level, line id): text} for one language, from an unpacked script folder (script/<level>/...)."""
    out = {}
    for f in sorted(script_root.glob(f"*/dialogs_{lang}.lua")):
        for line_id, spoken in parse_dialogs(f.read_text(encoding="utf-8", errors="replace")).items():
            out[(f.parent.name, line_id)] = spoken
    return out


def transcripts_for(clips, script_root: Path) -> dict[str, str]:
    """{clip path: text} for the corpus clips of the Fillets NG voice packages whose line the scripts hold.
    A clip's path ends in .../sound/<level>/<lang>/<line id>.wav."""
    texts = {lang: dialog_texts(script_root, lang) for lang in sorted(set(VOICE_PACKAGES.values()))}
    out = {}
    for c in clips:
        lang = VOICE_PACKAGES.get(c.package)
        if lang is None:
            continue
        p = Path(c.path)
        if p.parent.name != lang:
            continue
        text = texts[lang].get((p.parent.parent.name, p.stem))
        if text:
            out[c.path] = text
    return out
