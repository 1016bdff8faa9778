"""Representation-encoder checkpoints: the same verified folder format as the autoencoders (safetensors +
config.json + meta.json with the weights' sha256), holding the encoder, the seeded RQ quantizer and the
next-code heads. The latent space it reads is in its config and is checked against the latents' source."""
from __future__ import annotations

import os
from pathlib import Path

from .checkpoint import LoadedModel, load_checkpoint, save_checkpoint
from .models.representation import RepresentationConfig, RepresentationModel


def save_representation(model: RepresentationModel, out_dir: str | os.PathLike, extra_meta: dict | None = None) -> Path:
    return save_checkpoint(model, out_dir, extra_meta)


def load_representation(path: str | os.PathLike) -> LoadedModel:
    return load_checkpoint(path, config_from_json=RepresentationConfig.from_json, build=RepresentationModel)
