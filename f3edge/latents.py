"""Latents on disk: .npz with the (T, D) float32 array plus sample rate, frame rate, model id and sha256,
so a decoder can refuse latents made by a different model."""
from __future__ import annotations

import os
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .audio import atomic_path
from .errors import LatentFileError

FORMAT = "f3edge-latents-1"
DEFAULT_LATENT_SPACE = "f3-v1"


@dataclass(frozen=True)
class LatentFile:
    latents: np.ndarray      # (T, D) float32
    sample_rate: int
    frame_rate: float
    model_id: str
    model_sha256: str
    num_samples: int         # length of the audio they were made from (to trim the decode)
    latent_space: str = DEFAULT_LATENT_SPACE   # which encoder's space (files before versioning: f3-v1)


def save_latents(path: str | os.PathLike, lf: LatentFile) -> Path:
    path = Path(path)
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as f:
            np.savez(f, latents=lf.latents.astype(np.float32), sample_rate=np.int64(lf.sample_rate),
                     frame_rate=np.float64(lf.frame_rate), model_id=np.str_(lf.model_id),
                     model_sha256=np.str_(lf.model_sha256), num_samples=np.int64(lf.num_samples),
                     latent_space=np.str_(lf.latent_space),
                     format=np.str_(FORMAT))
    return path


def load_latents(path: str | os.PathLike, latent_dim: int | None = None) -> LatentFile:
    path = Path(path)
    if not path.is_file():
        raise LatentFileError(f"{path}: no such latent file")
    try:
        with np.load(path, allow_pickle=False) as d:
            z = np.asarray(d["latents"])
            lf = LatentFile(latents=z, sample_rate=int(d["sample_rate"]), frame_rate=float(d["frame_rate"]),
                            model_id=str(d["model_id"]), model_sha256=str(d["model_sha256"]),
                            num_samples=int(d["num_samples"]) if "num_samples" in d else -1,
                            latent_space=str(d["latent_space"]) if "latent_space" in d else DEFAULT_LATENT_SPACE)
    except (OSError, ValueError, KeyError, zipfile.BadZipFile, EOFError) as e:
        raise LatentFileError(f"{path}: not an f3edge latent file ({str(e)[:120]})") from None
    if z.ndim != 2 or (latent_dim is not None and z.shape[1] != latent_dim):
        raise LatentFileError(f"{path}: latents have shape {z.shape}, expected (T, {latent_dim})")
    if z.shape[0] == 0:
        raise LatentFileError(f"{path}: holds no latent frames")
    if not np.isfinite(z).all():
        raise LatentFileError(f"{path}: latents contain NaN/inf")
    return LatentFile(latents=z.astype(np.float32), **{k: getattr(lf, k) for k in
                      ("sample_rate", "frame_rate", "model_id", "model_sha256", "num_samples", "latent_space")})


def check_latent_space(lf: LatentFile, path, latent_space: str, model_id: str) -> None:
    """Latents of another latent space mean nothing to this decoder, whatever --force says."""
    if lf.latent_space != latent_space:
        raise LatentFileError(f"{path}: latents are in latent space {lf.latent_space!r}; {model_id} decodes "
                              f"{latent_space!r}")
