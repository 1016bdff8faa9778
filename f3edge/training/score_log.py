"""A run's periodic scores: one CSV row per scoring step and the best score so far (dev PESQ for autoencoders,
higher is better; held-out frozen-LM loss for representation encoders, lower is better). A resumed run drops
the rows past its checkpoint; every write replaces the file atomically."""
from __future__ import annotations

import csv
import math
from pathlib import Path


class ScoreLog:
    def __init__(self, log_path: Path, fields: list[str], key: str, higher_is_better: bool,
                 int_fields: tuple[str, ...]):
        self.log_path, self.fields, self.key = log_path, fields, key
        self.higher_is_better, self.int_fields = higher_is_better, int_fields
        self.best = self._best_of(self.rows())

    def _best_of(self, rows: list[dict]) -> float:
        pick = max if self.higher_is_better else min
        return pick((r[self.key] for r in rows), default=-math.inf if self.higher_is_better else math.inf)

    def rows(self) -> list[dict]:
        if not self.log_path.exists():
            return []
        with open(self.log_path, newline="") as f:
            return [{k: float(v) for k, v in r.items()} for r in csv.DictReader(f)]

    def _write(self, rows: list[dict]) -> None:
        from ..audio import atomic_path
        with atomic_path(self.log_path) as tmp, open(tmp, "w", newline="") as f:
            w = csv.DictWriter(f, self.fields)
            w.writeheader()
            w.writerows([{k: (int(r[k]) if k in self.int_fields else r[k]) for k in self.fields} for r in rows])

    def truncate(self, step: int) -> None:
        """A resumed run drops the rows past its checkpoint (they will be scored again)."""
        kept = [r for r in self.rows() if r["step"] <= step]
        self._write(kept)
        self.best = self._best_of(kept)

    def add(self, row: dict) -> bool:
        """Append one row; True when its score beats every earlier one."""
        self._write(self.rows() + [row])
        before = self.best
        self.best = self._best_of([{self.key: before}, row])
        return self.best != before
