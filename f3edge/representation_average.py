"""The uniform average of representation encoders' weights (a "model soup"): runs that started from the same
weights and differ only in their random draws usually stay in one basin, where their average tends to score
at least as well as the runs themselves, at no cost on the phone (same size, same step).

Averaging is refused unless the runs are alike in everything but their trained weights: the same config, the
same frozen parts (the RQ projection and codebook, and any other buffer), the same start (`init_sha256`), the
same teacher and frozen LM. Runs from different starts need not share a basin, and their average can be
worse than either."""
from __future__ import annotations

import os
from pathlib import Path

import torch

from .checkpoint import LoadedModel, save_checkpoint
from .errors import CheckpointError
from .representation import load_representation

# meta fields that must agree: lineage and the frozen parts the weights were trained against
SHARED_META = ("init_sha256", "teacher_sha256", "frozen_lm")


def _check_alike(runs: list[LoadedModel]) -> None:
    first = runs[0]
    for r in runs[1:]:
        if r.config.to_dict() != first.config.to_dict():
            raise CheckpointError(f"{r.path}: its representation config differs from {first.path}'s; only runs of "
                                  f"the same config can be averaged")
        for key in SHARED_META:
            if r.meta.get(key) != first.meta.get(key):
                raise CheckpointError(f"{r.path}: {key} differs from {first.path}'s ({str(r.meta.get(key))[:12]} vs "
                                      f"{str(first.meta.get(key))[:12]}); only runs of one start can be averaged")
    if not first.meta.get("init_sha256"):
        raise CheckpointError(f"{first.path}: no init_sha256 in meta.json: averaging needs runs fine-tuned from one "
                              f"start (train-repr with init_from)")
    buffers = [dict(r.model.named_buffers()) for r in runs]
    for r, b in zip(runs[1:], buffers[1:]):
        for name, value in buffers[0].items():
            if not torch.equal(value, b[name]):
                raise CheckpointError(f"{r.path}: frozen {name} differs from {first.path}'s; averaging needs the same "
                                      f"frozen parts")


def average_representations(paths: list[str | os.PathLike]) -> tuple[torch.nn.Module, dict]:
    """(model holding the mean of the runs' parameters, its meta for save_checkpoint). Each checkpoint is
    verified on load; a duplicate path would silently weight one run twice, so it is refused."""
    if len(paths) < 2:
        raise CheckpointError("averaging needs at least two representation checkpoints")
    resolved = [Path(p).resolve() for p in paths]
    if len(set(resolved)) != len(resolved):
        raise CheckpointError("the same checkpoint is given twice; each run is averaged once")
    runs = [load_representation(p) for p in paths]
    _check_alike(runs)
    model = runs[0].model
    params = [dict(r.model.named_parameters()) for r in runs]
    with torch.no_grad():
        for name, p in model.named_parameters():
            p.copy_(torch.stack([q[name].double() for q in params]).mean(0).to(p.dtype))
    return model, _meta(runs)


def _meta(runs: list[LoadedModel]) -> dict:
    """Lineage: the runs averaged, and the training totals of all of them on top of their common start."""
    first = runs[0].meta
    start_steps = first.get("total_train_steps", 0) - first.get("train_steps", 0)
    start_cpu = first.get("total_train_cpu_seconds", 0.0) - first.get("train_cpu_seconds", 0.0)
    steps = sum(r.meta.get("train_steps", 0) for r in runs)
    cpu = sum(r.meta.get("train_cpu_seconds", 0.0) for r in runs)
    meta = {k: first[k] for k in (*SHARED_META, "frozen", "world_size") if k in first}
    return meta | {"recipe": "repr-average", "averaged_sha256": [r.sha256 for r in runs],
                   "train_steps": steps, "train_cpu_seconds": round(cpu, 1),
                   "total_train_steps": start_steps + steps, "total_train_cpu_seconds": round(start_cpu + cpu, 1)}


def save_average(paths: list[str | os.PathLike], out_dir: str | os.PathLike) -> Path:
    if Path(out_dir).resolve() in {Path(p).resolve() for p in paths}:
        raise CheckpointError(f"{out_dir}: refusing to overwrite one of the checkpoints being averaged")
    model, meta = average_representations(paths)
    return save_checkpoint(model, out_dir, meta)
