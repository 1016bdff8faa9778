"""Evaluate a tokenizer on a folder or manifest of real speech: per-file and mean metrics."""
from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .audio import read_audio
from .data.manifest import Clip, load_clips
from .metrics import log_mel_l1_db, pesq_wb, si_sdr_aligned, snr_db, stoi
from .tokenizer import Tokenizer


@dataclass
class FileResult:
    file: str
    lang: str
    seconds: float
    pesq_wb: float
    stoi: float
    log_mel_l1_db: float
    si_sdr_db: float
    latent_snr_db: float | None = None
    pesq_teacher_decoder_on_student: float | None = None
    pesq_student_decoder_on_teacher: float | None = None
    wer: float | None = None          # English clips: Whisper tiny.en on the reconstruction vs on the original


def speech_clips(source: str | Path) -> list[Clip]:
    return [c for c in load_clips(source) if c.kind == "speech"]


def evaluate(tok: Tokenizer, clips: list[Clip], teacher: Tokenizer | None = None, progress=None,
             asr: bool = True) -> dict:
    from . import asr as asr_mod
    asr = asr and asr_mod.available()
    rows: list[FileResult] = []
    for clip in clips:
        x = read_audio(clip.path, tok.sample_rate, min_samples=tok.hop)
        z = tok.encode(x)
        y = tok.decode(z, num_samples=len(x))
        r = FileResult(file=Path(clip.path).name, lang=clip.lang, seconds=len(x) / tok.sample_rate,
                       pesq_wb=pesq_wb(x, y), stoi=stoi(x, y), log_mel_l1_db=log_mel_l1_db(x, y),
                       si_sdr_db=si_sdr_aligned(x, y))
        if teacher is not None and teacher is not tok:
            zt = teacher.encode(x)
            n = min(len(zt), len(z))
            r.latent_snr_db = snr_db(zt[:n], z[:n])
            r.pesq_teacher_decoder_on_student = pesq_wb(x, teacher.decode(z, num_samples=len(x)))
            r.pesq_student_decoder_on_teacher = pesq_wb(x, tok.decode(zt, num_samples=len(x)))
        if asr and clip.lang == "en":
            r.wer = asr_mod.wer(x, y)[0]
        rows.append(r)
        if progress is not None:
            progress(r)
    return {"model_id": tok.model_id, "sha256": tok.sha256, "files": [r.__dict__ for r in rows],
            "mean": summarize(rows), "asr": "whisper tiny.en (faster-whisper, int8)" if asr else "unavailable"}


def summarize(rows: list[FileResult]) -> dict:
    out = {"files": len(rows)}
    if not rows:
        return out
    for key in rows[0].__dict__:
        vals = [getattr(r, key) for r in rows]
        if isinstance(vals[0], str) or key == "seconds":
            continue
        vals = [v for v in vals if v is not None and not (isinstance(v, float) and math.isnan(v))]
        if vals:
            out[key] = float(np.mean(vals))
    by_lang: dict[str, list[FileResult]] = {}
    for r in rows:
        by_lang.setdefault(r.lang, []).append(r)
    out["by_lang"] = {k: {"files": len(v), "pesq_wb": float(np.nanmean([r.pesq_wb for r in v])),
                          "stoi": float(np.mean([r.stoi for r in v]))} for k, v in sorted(by_lang.items())}
    return out


def to_markdown(result: dict) -> str:
    m = result["mean"]
    lines = [f"# Evaluation of {result['model_id']} ({result['sha256'][:12]})", "",
             "| metric | mean |", "|---|---|"]
    lines += [f"| {k} | {v:.3f} |" for k, v in m.items() if isinstance(v, float)]
    lines += ["", "| language | files | PESQ-wb | STOI |", "|---|---|---|---|"]
    lines += [f"| {k} | {v['files']} | {v['pesq_wb']:.3f} | {v['stoi']:.3f} |" for k, v in m.get("by_lang", {}).items()]
    lines += ["", "| file | PESQ-wb | STOI | log-mel L1 dB | SI-SDR dB |", "|---|---|---|---|---|"]
    lines += [f"| {r['file']} | {r['pesq_wb']:.3f} | {r['stoi']:.3f} | {r['log_mel_l1_db']:.2f} | {r['si_sdr_db']:.1f} |"
              for r in result["files"]]
    return "\n".join(lines) + "\n"


def write_report(result: dict, json_path: str | Path) -> tuple[Path, Path]:
    from .audio import atomic_path
    json_path = Path(json_path)
    md_path = json_path.with_suffix(".md")
    with atomic_path(json_path) as t:
        Path(t).write_text(json.dumps(result, indent=2))
    with atomic_path(md_path) as t:
        Path(t).write_text(to_markdown(result))
    return json_path, md_path
