"""One way a measurement script hands back its result: printed as JSON, and written (temp file, then
rename) when a path is given, with an optional text rendering beside it."""
from __future__ import annotations

import json
from pathlib import Path

from f3edge.audio import atomic_path


def write_text(path: str | Path, text: str) -> None:
    with atomic_path(path) as tmp:
        Path(tmp).write_text(text)


def emit(result, path: str | Path | None, markdown: str | None = None) -> None:
    text = json.dumps(result, indent=1) + "\n"
    print(markdown if markdown is not None else text, end="")
    if path:
        write_text(path, text)
        if markdown is not None:
            write_text(Path(path).with_suffix(".md"), markdown)
