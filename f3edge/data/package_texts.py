"""Real transcripts that the corpus's Debian packages carry in their own text files (frozen-LM supervision
without pseudo-labels): one source per package family, each a module with VOICE_PACKAGES (the corpus
packages it transcribes), TEXT_PACKAGE / TEXT_FILES / TEXT_ROOT (where its texts are) and
`transcripts_for(clips, root)`. `f3edge data texts CORPUS` writes CORPUS/transcripts.<source>.json."""
from __future__ import annotations

import tempfile
from pathlib import Path

from . import dialog_transcripts, stamp_transcripts

TEXT_SOURCES = {"dialogs": dialog_transcripts, "stamps": stamp_transcripts}


def clips_of(source: str, clips) -> list:
    return [c for c in clips if c.package in TEXT_SOURCES[source].VOICE_PACKAGES]


def package_transcripts(source: str, clips, debs: Path) -> dict[str, str]:
    """Fetch (once, into `debs`) the source's text package, unpack only its text files (nothing in them is
    run) and match them to `clips`."""
    from .corpus import unpack_files
    mod = TEXT_SOURCES[source]
    with tempfile.TemporaryDirectory() as tmp:
        unpack_files(mod.TEXT_PACKAGE, debs, mod.TEXT_FILES, tmp)
        return mod.transcripts_for(clips, Path(tmp) / mod.TEXT_ROOT)
