"""How well a transcripts file matches its audio: Whisper tiny.en's word error rate against the file's texts on a
seeded sample of its clips (for synthesized speech, `f3edge data synth`: is what the frozen LM is taught to read
actually said?). Texts are compared after the same normalization as every WER here (f3edge.asr.normalize).

    python -m benchmarks.transcript_wer data/synthetic/transcripts.piper-en-joe.json --clips 100 \
        --json docs/results/probes/v2/synthetic_speech_wer.json
"""
from __future__ import annotations

import argparse
import sys

import numpy as np

from .json_out import emit


def sample_wer(transcripts: dict[str, str], clips: int, seed: int) -> dict:
    import jiwer
    from f3edge.asr import normalize, transcribe
    from f3edge.audio import read_audio
    keys = sorted(transcripts)
    pick = [keys[i] for i in sorted(np.random.default_rng(seed).permutation(len(keys))[:clips])]
    refs = [normalize(transcripts[k]) for k in pick]
    hyps = [normalize(transcribe(read_audio(k, 16000))) for k in pick]
    return {"clips": len(pick), "of": len(keys), "seed": seed, "wer": round(float(jiwer.wer(refs, hyps)), 4),
            "examples": [{"text": r, "whisper": h} for r, h in list(zip(refs, hyps))[:5]]}


def main(argv: list[str] | None = None) -> int:
    from f3edge.errors import F3EdgeInputError
    from f3edge.lm.transcripts import read_transcripts
    p = argparse.ArgumentParser(prog="python -m benchmarks.transcript_wer", description=__doc__.splitlines()[0])
    p.add_argument("transcripts")
    p.add_argument("--clips", type=int, default=100)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--json")
    a = p.parse_args(argv)
    try:
        if a.clips < 1:
            raise F3EdgeInputError("--clips must be at least 1")
        transcripts = read_transcripts(a.transcripts)
        if not transcripts:
            raise F3EdgeInputError(f"{a.transcripts}: no transcribed clips")
        result = {"transcripts": a.transcripts, **sample_wer(transcripts, a.clips, a.seed)}
    except (F3EdgeInputError, OSError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    emit(result, a.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
