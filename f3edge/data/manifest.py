"""Corpus manifests (TSV with a header: path, package, lang, orig_sr, seconds, license, kind) and the
train/held-out split that keeps the dev-set sources out of training."""
from __future__ import annotations

import csv
import os
from dataclasses import dataclass
from pathlib import Path

from ..audio import AUDIO_EXTENSIONS

# The dev set (../shared/data/dev) is drawn from these sources: never train on them.
HELD_OUT = (("asterisk-core-sounds-ru-g722", None), ("tuxpaint-stamps-default", "el"))


@dataclass(frozen=True)
class Clip:
    path: str
    seconds: float
    package: str = "-"
    lang: str = "-"
    orig_sr: int = 16000
    kind: str = "speech"
    license: str = "-"


def read_corpus_manifest(path: str | os.PathLike) -> list[Clip]:
    """Read a corpus manifest; relative paths resolve against the manifest's folder."""
    path = Path(path)
    root = path.parent
    clips = []
    with open(path, newline="") as f:
        for row in csv.DictReader(f, delimiter="\t"):
            p = row.get("path") or row.get("file")
            if not p:
                raise ValueError(f"{path}: manifest rows need a 'path' (or 'file') column")
            clips.append(Clip(
                path=str(root / p) if not os.path.isabs(p) else p,
                seconds=float(row.get("seconds") or 0.0),
                package=row.get("package", "-"), lang=row.get("lang", "-"),
                orig_sr=int(float(row.get("orig_sr") or 16000)), kind=row.get("kind", "speech"),
                license=row.get("license", "-"),
            ))
    return clips


def scan_folder(folder: str | os.PathLike) -> list[Clip]:
    """Every audio file under a folder, as clips (durations read from the headers)."""
    import soundfile as sf
    clips = []
    for p in sorted(Path(folder).rglob("*")):
        if p.suffix.lower() in AUDIO_EXTENSIONS and p.is_file():
            try:
                info = sf.info(str(p))
            except Exception:
                continue
            clips.append(Clip(path=str(p), seconds=info.frames / info.samplerate, orig_sr=info.samplerate))
    return clips


def load_clips(source: str | os.PathLike) -> list[Clip]:
    """A manifest file, a folder containing manifest.tsv, or a plain folder of audio."""
    source = Path(source)
    if source.is_file():
        return read_corpus_manifest(source)
    if (source / "manifest.tsv").is_file():
        return read_corpus_manifest(source / "manifest.tsv")
    if source.is_dir():
        return scan_folder(source)
    raise FileNotFoundError(f"no manifest or folder at {source}")


def is_held_out(clip: Clip) -> bool:
    return any(clip.package == pkg and (lang is None or clip.lang == lang) for pkg, lang in HELD_OUT)


def training_split(clips: list[Clip], min_orig_sr: int = 16000, kinds: tuple[str, ...] = ("speech", "mixed"),
                   min_seconds: float = 0.5) -> list[Clip]:
    """Clips fit for training: not from the dev-set sources, not band-limited, of the wanted kinds."""
    return [c for c in clips if not is_held_out(c) and c.orig_sr >= min_orig_sr and c.kind in kinds
            and c.seconds >= min_seconds and c.lang not in ("music",)]
