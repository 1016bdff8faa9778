"""Transcripts for the frozen-LM objective: the corpus has none, so English training clips get Whisper
tiny.en pseudo-labels (faster-whisper, the same registry weights as the frozen decoder), made once and
cached as JSON ({clip path: text}), written atomically and resumable. Reading validates the file: a
mapping of strings to strings, nothing else."""
from __future__ import annotations

import json
from pathlib import Path

from ..errors import F3EdgeInputError

MAX_TRANSCRIPTS_BYTES = 64 << 20


class TranscriptsError(F3EdgeInputError):
    pass


def read_transcripts(path: str | Path) -> dict[str, str]:
    path = Path(path)
    if not path.is_file():
        raise TranscriptsError(f"{path}: no transcripts file (make one with `f3edge data transcribe`)")
    if path.stat().st_size > MAX_TRANSCRIPTS_BYTES:
        raise TranscriptsError(f"{path}: implausibly large transcripts file")
    try:
        d = json.loads(path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError):
        raise TranscriptsError(f"{path}: not a JSON transcripts file") from None
    if not isinstance(d, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in d.items()):
        raise TranscriptsError(f"{path}: transcripts must be a JSON object of clip path -> text")
    return d


def read_transcript_files(paths: str | list[str]) -> dict[str, str]:
    """One transcripts file, or several merged (a clip in two of them is refused: which text is meant?)."""
    merged: dict[str, str] = {}
    for path in [paths] if isinstance(paths, (str, Path)) else paths:
        d = read_transcripts(path)
        both = set(d) & set(merged)
        if both:
            raise TranscriptsError(f"{path}: {len(both)} clips also transcribed in an earlier file "
                                   f"(e.g. {sorted(both)[0]})")
        merged.update(d)
    return merged


def write_transcripts(path: str | Path, d: dict[str, str]) -> None:
    """Atomically (temp file, then rename)."""
    from ..audio import atomic_path
    with atomic_path(path) as tmp:
        Path(tmp).write_text(json.dumps(d, indent=0, ensure_ascii=False, sort_keys=True))


def pseudo_label(paths: list[str], out: str | Path, progress=None, save_every: int = 50) -> dict[str, str]:
    """Whisper tiny.en transcripts of `paths` (English speech), added to `out` (kept between runs)."""
    import numpy as np
    from ..asr import _model
    from ..audio import read_audio
    out = Path(out)
    done = read_transcripts(out) if out.exists() else {}
    todo = [p for p in paths if p not in done]
    for i, p in enumerate(todo, start=1):
        segments, _ = _model().transcribe(np.asarray(read_audio(p, 16000), np.float32), language="en", beam_size=1)
        done[p] = " ".join(s.text.strip() for s in segments).strip()
        if progress is not None:
            progress(i, len(todo))
        if i % save_every == 0:
            write_transcripts(out, done)
    write_transcripts(out, done)
    return done
