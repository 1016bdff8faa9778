"""Dev-set scoring during training: PESQ-wb/STOI/log-mel of the EMA weights every `eval_every` steps, logged
to eval_log.csv, with the best-PESQ weights kept in out/best (adversarial fine-tunes can lower objective
scores while their losses look fine, so the run keeps its best point, not only its last)."""
from __future__ import annotations

from pathlib import Path

from .score_log import ScoreLog

EVAL_FIELDS = ["step", "cpu_s", "pesq_wb", "stoi", "log_mel_l1_db", "files"]


class DevEvaluator(ScoreLog):
    def __init__(self, data: str, every_nth_clip: int, log_path: Path):
        from ..evaluation import speech_clips
        self.clips = speech_clips(data)[::max(1, every_nth_clip)]
        if not self.clips:
            from ..errors import TrainingDataError
            raise TrainingDataError(f"{data}: no speech clips to score during training")
        super().__init__(log_path, EVAL_FIELDS, "pesq_wb", higher_is_better=True, int_fields=("step", "files"))

    def score(self, tok) -> dict:
        from ..evaluation import evaluate
        mean = evaluate(tok, self.clips, asr=False)["mean"]
        return {k: mean[k] for k in ("pesq_wb", "stoi", "log_mel_l1_db", "files")}

    def record(self, step: int, cpu_s: float, scores: dict) -> bool:
        """Append one row; True when it is the best PESQ so far."""
        return self.add({"step": step, "cpu_s": round(cpu_s, 1), **scores})
