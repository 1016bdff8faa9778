"""Dev-set scoring during training: PESQ-wb/STOI/log-mel of the EMA weights every `eval_every` steps, logged
to eval_log.csv, with the best-PESQ weights kept in out/best (adversarial fine-tunes can lower objective
scores while their losses look fine, so the run keeps its best point, not only its last)."""
from __future__ import annotations

import csv
import math
from pathlib import Path

EVAL_FIELDS = ["step", "cpu_s", "pesq_wb", "stoi", "log_mel_l1_db", "files"]


class DevEvaluator:
    def __init__(self, data: str, every_nth_clip: int, log_path: Path):
        from ..evaluation import speech_clips
        self.clips = speech_clips(data)[::max(1, every_nth_clip)]
        if not self.clips:
            from ..errors import TrainingDataError
            raise TrainingDataError(f"{data}: no speech clips to score during training")
        self.log_path = log_path
        self.best = max((r["pesq_wb"] for r in self.rows()), default=-math.inf)

    def rows(self) -> list[dict]:
        if not self.log_path.exists():
            return []
        with open(self.log_path, newline="") as f:
            return [{k: float(v) for k, v in r.items()} for r in csv.DictReader(f)]

    def truncate(self, step: int) -> None:
        """A resumed run drops the rows past its checkpoint (they will be scored again)."""
        kept = [r for r in self.rows() if r["step"] <= step]
        self._write(kept)
        self.best = max((r["pesq_wb"] for r in kept), default=-math.inf)

    def _write(self, rows: list[dict]) -> None:
        from ..audio import atomic_path
        with atomic_path(self.log_path) as tmp, open(tmp, "w", newline="") as f:
            w = csv.DictWriter(f, EVAL_FIELDS)
            w.writeheader()
            w.writerows([{k: (int(r[k]) if k in ("step", "files") else r[k]) for k in EVAL_FIELDS} for r in rows])

    def score(self, tok) -> dict:
        from ..evaluation import evaluate
        mean = evaluate(tok, self.clips, asr=False)["mean"]
        return {k: mean[k] for k in ("pesq_wb", "stoi", "log_mel_l1_db", "files")}

    def record(self, step: int, cpu_s: float, scores: dict) -> bool:
        """Append one row; True when it is the best PESQ so far."""
        row = {"step": step, "cpu_s": round(cpu_s, 1), **scores}
        self._write(self.rows() + [row])
        improved = scores["pesq_wb"] > self.best
        self.best = max(self.best, scores["pesq_wb"])
        return improved
