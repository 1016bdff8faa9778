"""`f3edge data build OUT`: real speech from Debian packages -> 16 kHz mono WAV + manifest.tsv.

Idempotent and resumable: each package is unpacked into a temp folder, converted, and recorded in
OUT/parts/<package>.tsv only once complete; a rerun skips finished packages and existing WAVs. Needs
root apt (after `apt-get update`), dpkg-deb and, for the G.722/GSM telephony prompts, ffmpeg.
The data is not redistributed by f3edge: this command fetches it on the user's machine.
"""
from __future__ import annotations

import csv
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf
import soxr

from ..audio import atomic_path


@dataclass(frozen=True)
class Source:
    package: str
    license: str
    kind: str          # speech | music | mixed
    lang: str          # a language code, or a rule name resolved per file (see _lang_of)


SOURCES = [
    Source("asterisk-core-sounds-en-g722", "CC-BY-SA-3.0", "speech", "en"),
    Source("asterisk-core-sounds-es-g722", "CC-BY-SA-3.0", "speech", "es"),
    Source("asterisk-core-sounds-fr-g722", "CC-BY-SA-3.0", "speech", "fr"),
    Source("asterisk-core-sounds-it-g722", "CC-BY-3.0", "speech", "it"),
    Source("asterisk-core-sounds-ru-g722", "CC-BY-3.0", "speech", "ru"),
    Source("asterisk-prompt-it-menardi-wav", "CC-BY-SA-3.0", "speech", "it"),
    Source("asterisk-prompt-fr-armelle", "BSD-like", "speech", "fr"),
    Source("asterisk-prompt-es-co", "GPL-2", "speech", "es"),
    Source("tuxpaint-stamps-default", "GPL-2", "speech", "rule:tuxpaint"),
    Source("fillets-ng-data-cs", "GPL-2", "speech", "cs"),
    Source("fillets-ng-data-nl", "GPL-2", "speech", "nl"),
    Source("klettres-data", "GPL-2+/CC0", "speech", "rule:klettres"),
    Source("gcin-voice", "GPL-3|LGPL-3/CC-BY-3", "speech", "zh"),
    Source("hedgewars-data", "GPL-2/GFDL-1.3", "mixed", "rule:hedgewars"),
    Source("wesnoth-1.16-music", "GPL-2", "music", "music"),
    Source("asterisk-moh-opsound-g722", "CC-BY-SA-3.0", "music", "music"),
    Source("alsa-utils", "GPL-2", "speech", "en"),
]
FIELDS = ["path", "package", "lang", "orig_sr", "seconds", "license", "kind"]
AUDIO_SUFFIXES = {".wav", ".ogg", ".flac", ".mp3", ".g722", ".gsm", ".aif", ".aiff"}
RAW_CODECS = {".g722": ("g722", 16000), ".gsm": ("gsm", 8000)}   # headerless: decoded by ffmpeg


def _lang_of(rule: str, rel: str) -> str | None:
    """Language of one file, or None to skip it."""
    if not rule.startswith("rule:"):
        return rule
    rule = rule[5:]
    if rule == "tuxpaint":       # only the spoken descriptions: foo_desc.ogg (en) or foo_desc_<lang>.ogg
        m = re.search(r"_desc(?:_([A-Za-z_@]+))?\.(ogg|wav)$", rel)
        return (m.group(1) or "en") if m else None
    if rule == "klettres":
        m = re.search(r"klettres/([^/]+)/", rel)
        return m.group(1) if m else "-"
    if rule == "hedgewars":
        if "/Sounds/voices/" in rel:
            return "en-voice"
        return "music" if "/Music/" in rel else None
    raise ValueError(rule)


def _decode(src: Path, sample_rate: int) -> tuple[np.ndarray, int] | None:
    ext = src.suffix.lower()
    if ext in RAW_CODECS:
        fmt, orig_sr = RAW_CODECS[ext]
        proc = subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-f", fmt, "-i", str(src), "-ac", "1",
                               "-ar", str(sample_rate), "-f", "f32le", "-"], capture_output=True)
        if proc.returncode:
            return None
        return np.frombuffer(proc.stdout, dtype=np.float32).copy(), orig_sr
    try:
        x, orig_sr = sf.read(str(src), dtype="float32", always_2d=True)
    except Exception:   # noqa: BLE001 - a broken file in a package is skipped, not fatal
        return None
    x = x.mean(axis=1)
    if orig_sr != sample_rate:
        x = soxr.resample(x, orig_sr, sample_rate)
    return x.astype(np.float32), orig_sr


def _download(package: str, debs: Path) -> Path:
    found = sorted(debs.glob(f"{package}_*.deb"))
    if not found:
        subprocess.run(["apt-get", "download", "-q", package], cwd=debs, check=True, stdout=subprocess.DEVNULL)
        found = sorted(debs.glob(f"{package}_*.deb"))
    if not found:
        raise RuntimeError(f"apt-get download {package} produced no .deb")
    return found[-1]


def unpack_files(package: str, debs: Path, pattern: str, dest: str | Path) -> None:
    """Fetch `package` once (into `debs`) and unpack only its files matching the tar wildcard `pattern` into
    `dest` (text files that are read, never run)."""
    deb = _download(package, debs)
    tar = subprocess.Popen(["dpkg-deb", "--fsys-tarfile", str(deb)], stdout=subprocess.PIPE)
    subprocess.run(["tar", "-x", "-C", str(dest), "--wildcards", pattern], stdin=tar.stdout, check=True,
                   stderr=subprocess.DEVNULL)
    tar.stdout.close()
    if tar.wait() != 0:
        raise RuntimeError(f"dpkg-deb could not read {deb}")


def build_package(src: Source, out: Path, debs: Path, sample_rate: int) -> list[dict]:
    deb = _download(src.package, debs)
    rows = []
    wav_root = out / f"wav{sample_rate // 1000}k" / src.package
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(["dpkg-deb", "-x", str(deb), tmp], check=True)
        share = Path(tmp) / "usr" / "share"
        for f in sorted(share.rglob("*")):
            if f.suffix.lower() not in AUDIO_SUFFIXES or "/doc/" in str(f) or not f.is_file():
                continue
            rel = str(f.relative_to(share))
            lang = _lang_of(src.lang, "/" + rel)
            if lang is None:
                continue
            dst = wav_root / Path(rel).with_suffix(".wav")
            if dst.exists():       # resumed: reuse the converted file
                info = sf.info(str(dst))
                n, orig_sr = info.frames, _orig_rate(f, info.samplerate)
            else:
                decoded = _decode(f, sample_rate)
                if decoded is None or len(decoded[0]) == 0:
                    continue
                x, orig_sr = decoded
                dst.parent.mkdir(parents=True, exist_ok=True)
                with atomic_path(dst) as t:
                    sf.write(t, np.clip(x, -1, 1), sample_rate, subtype="PCM_16", format="WAV")
                n = len(x)
            rows.append({"path": str(dst.relative_to(out)), "package": src.package, "lang": lang,
                         "orig_sr": orig_sr, "seconds": f"{n / sample_rate:.3f}", "license": src.license,
                         "kind": "music" if lang == "music" else src.kind})
    return rows


def _orig_rate(src: Path, fallback: int) -> int:
    ext = src.suffix.lower()
    if ext in RAW_CODECS:
        return RAW_CODECS[ext][1]
    try:
        return sf.info(str(src)).samplerate
    except Exception:  # noqa: BLE001
        return fallback


def build_corpus(out: str | Path, packages: list[str] | None = None, sample_rate: int = 16000) -> Path:
    out = Path(out)
    by_name = {s.package: s for s in SOURCES}
    unknown = [p for p in packages or [] if p not in by_name]
    if unknown:
        from ..errors import F3EdgeInputError
        raise F3EdgeInputError(f"unknown corpus packages: {', '.join(unknown)} (known: {', '.join(by_name)})")
    for tool in ("apt-get", "dpkg-deb"):
        if shutil.which(tool) is None:
            raise RuntimeError(f"{tool} not found: the corpus is built from Debian packages")
    parts, debs = out / "parts", out / "debs"
    parts.mkdir(parents=True, exist_ok=True)
    debs.mkdir(parents=True, exist_ok=True)
    for src in (by_name[p] for p in packages) if packages else SOURCES:
        part = parts / f"{src.package}.tsv"
        if part.exists():
            print(f"{src.package}: done before, skipped", file=sys.stderr)
            continue
        rows = build_package(src, out, debs, sample_rate)
        with atomic_path(part) as t, open(t, "w", newline="") as f:
            w = csv.DictWriter(f, FIELDS, delimiter="\t")
            w.writeheader()
            w.writerows(rows)
        hours = sum(float(r["seconds"]) for r in rows) / 3600
        print(f"{src.package}: {len(rows)} files, {hours:.2f} h", file=sys.stderr)
    manifest = out / "manifest.tsv"
    rows = []
    for part in sorted(parts.glob("*.tsv")):
        with open(part, newline="") as f:
            rows += list(csv.DictReader(f, delimiter="\t"))
    with atomic_path(manifest) as t, open(t, "w", newline="") as f:
        w = csv.DictWriter(f, FIELDS, delimiter="\t")
        w.writeheader()
        w.writerows(rows)
    print(f"total: {sum(float(r['seconds']) for r in rows) / 3600:.2f} h in {len(rows)} files", file=sys.stderr)
    return manifest
