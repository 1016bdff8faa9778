"""Real transcripts of the corpus's Tux Paint stamp descriptions (`tuxpaint-stamps-default`, GPL-2): each
stamp `<name>` has a text file `<name>.txt` whose first line is the English description and whose
`<lang>.utf8=...` lines are its translations, and spoken descriptions `<name>_desc.ogg` (English) or
`<name>_desc_<lang>.ogg` that read them. Short (a word or a phrase) but in 14 of the corpus languages.
The written file has the layout of every transcripts file ({clip path: text}); the clip's language is the
corpus manifest's.
"""
from __future__ import annotations

import re
from pathlib import Path

VOICE_PACKAGES = {"tuxpaint-stamps-default": None}     # the language is in each file name
TEXT_PACKAGE = "tuxpaint-stamps-default"
TEXT_FILES = "./usr/share/tuxpaint/stamps/*.txt"
TEXT_ROOT = "usr/share/tuxpaint/stamps"
_DESC = re.compile(r"^(?P<name>.+)_desc(?:_(?P<lang>[A-Za-z_@]+))?$")


def parse_stamp_text(text: str) -> dict[str, str]:
    """{language: description}: the first line is English, then `<lang>.utf8=<text>` lines."""
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    if not lines:
        return {}
    out = {"en": lines[0]}
    for ln in lines[1:]:
        m = re.match(r"^([A-Za-z_@]+)\.utf8=(.*)$", ln)
        if m:
            out[m.group(1)] = m.group(2)
    return {lang: " ".join(t.strip(" |").split()) for lang, t in out.items() if t.strip(" |")}


def transcripts_for(clips, stamps_root: Path) -> dict[str, str]:
    """{clip path: text} for the spoken stamp descriptions whose text file holds their language. A clip's
    path ends in .../stamps/<folders>/<name>_desc[_<lang>].wav."""
    out, texts = {}, {}
    for c in clips:
        if c.package not in VOICE_PACKAGES or "/stamps/" not in c.path:
            continue
        rel = Path(c.path.split("/stamps/", 1)[1])
        m = _DESC.match(rel.stem)
        if not m:
            continue
        txt = stamps_root / rel.parent / f"{m.group('name')}.txt"
        if txt not in texts:
            texts[txt] = parse_stamp_text(txt.read_text(encoding="utf-8", errors="replace")) if txt.is_file() else {}
        text = texts[txt].get(m.group("lang") or "en")
        if text:
            out[c.path] = text
    return out
