"""Held-out frozen-LM loss during representation training: the frozen-LM objective overfits a small transcript
set (its training cross-entropy keeps falling while frame-level content in the features gets worse), so a
share of the transcribed clips is kept out of training and the EMA encoder's cross-entropy on them is
logged every `eval_every` steps (lm_eval_log.csv); the weights with the lowest held-out loss are kept in
out/best, like the dev-PESQ rule for autoencoders.

The split is by a hash of the clip path: the same clips are held out in every run and after a resume."""
from __future__ import annotations

import hashlib
from pathlib import Path

import torch

from .score_log import ScoreLog

LM_EVAL_FIELDS = ["step", "cpu_s", "lm_ce_held_out", "clips"]


def is_held_out(path: str, fraction: float) -> bool:
    digest = hashlib.sha256(path.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") / 2**64 < fraction


def split_transcripts(transcripts: dict[str, str], fraction: float) -> tuple[dict[str, str], dict[str, str]]:
    """(training, held-out) transcripts; `fraction` 0 keeps every clip for training."""
    held = {p: t for p, t in transcripts.items() if is_held_out(p, fraction)}
    return {p: t for p, t in transcripts.items() if p not in held}, held


def split_transcript_files(files: str | list[str], training_only: list[str], fraction: float
                           ) -> tuple[dict[str, str], dict[str, str]]:
    """(training, held-out) from transcripts files: the held-out share is drawn from `files` only, and the
    `training_only` files (synthetic speech) always train, so the held-out loss stays on real speech. A clip
    in two files is refused (read_transcript_files)."""
    from ..lm.transcripts import read_transcript_files
    files = [files] if isinstance(files, (str, Path)) else list(files)
    merged = read_transcript_files([*files, *training_only])
    _, held = split_transcripts(read_transcript_files(files), fraction)
    return {p: t for p, t in merged.items() if p not in held}, held


class HeldOutLM(ScoreLog):
    """Scores a representation model's frozen-LM cross-entropy on fixed held-out clips (token-weighted)."""

    def __init__(self, clips, batch_size: int, log_path: Path):
        from ..errors import TrainingDataError
        if not len(clips):
            raise TrainingDataError("no held-out transcribed clips to score the frozen-LM loss on "
                                    "(raise lm_held_out or add transcripts)")
        self.clips, self.batch_size = clips, batch_size
        super().__init__(log_path, LM_EVAL_FIELDS, "lm_ce_held_out", higher_is_better=False,
                         int_fields=("step", "clips"))

    @torch.no_grad()
    def score(self, model, teacher, decoder, device) -> float:
        from .lm_objective import IGNORE, frozen_lm_loss
        total, count = 0.0, 0
        for i in range(0, len(self.clips), self.batch_size):
            wav, frames, tokens, _ = self.clips.batch_of(range(i, min(i + self.batch_size, len(self.clips))))
            z = teacher.encode(wav.to(device)).float()
            memory = model.lm_proj(model.encoder(z).transpose(1, 2))
            prompt = self.clips.prompt_length
            n = int((tokens[:, prompt:] != IGNORE).sum())   # the loss's targets: all but the prompt
            total += float(frozen_lm_loss(decoder, memory, frames, tokens.to(device), prompt)) * n
            count += n
        return total / max(1, count)

    def record(self, step: int, cpu_s: float, loss: float) -> bool:
        """Append one row; True when it is the lowest held-out loss so far."""
        return self.add({"step": step, "cpu_s": round(cpu_s, 1), "lm_ce_held_out": loss, "clips": len(self.clips)})
