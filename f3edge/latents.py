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
from .limits import MAX_ABS_LATENT, max_frames

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


def validate_latents(z, latent_dim: int | None, what: str = "latents") -> np.ndarray:
    """(T, D) float latents: the right shape, finite, in range, and within the per-call frame limit."""
    z = np.asarray(z)
    if z.ndim != 2 or z.shape[0] == 0 or (latent_dim is not None and z.shape[1] != latent_dim):
        raise LatentFileError(f"{what}: latents must have shape (T>0, {latent_dim}), got {z.shape}")
    if z.dtype.kind not in "fiu":
        raise LatentFileError(f"{what}: latents must be numbers, not {z.dtype}")
    if z.shape[0] > max_frames():
        raise LatentFileError(f"{what}: {z.shape[0]} frames exceed the limit of {max_frames()} "
                              "(set F3EDGE_MAX_SECONDS to change it)")
    z = z.astype(np.float32)
    if not np.isfinite(z).all():
        raise LatentFileError(f"{what}: latents contain NaN/inf")
    peak = float(np.abs(z).max())
    if peak > MAX_ABS_LATENT:
        raise LatentFileError(f"{what}: latent magnitude {peak:.3g} is out of range (max {MAX_ABS_LATENT:g})")
    return z


def _declared_shape(path: Path) -> tuple[tuple, np.dtype]:
    """Shape and dtype of the latents array from its .npy header, before any data is inflated."""
    with zipfile.ZipFile(path) as zf:
        with zf.open("latents.npy") as f:
            version = np.lib.format.read_magic(f)
            read = {(1, 0): np.lib.format.read_array_header_1_0, (2, 0): np.lib.format.read_array_header_2_0}
            if version not in read:
                raise ValueError(f"unsupported .npy version {version}")
            shape, _, dtype = read[version](f)
    return shape, dtype


def load_latents(path: str | os.PathLike, latent_dim: int | None = None) -> LatentFile:
    path = Path(path)
    if not path.is_file():
        raise LatentFileError(f"{path}: no such latent file")
    if not zipfile.is_zipfile(path):
        raise LatentFileError(f"{path}: not an f3edge latent file (not an .npz archive)")
    try:
        shape, dtype = _declared_shape(path)
    except KeyError:
        raise LatentFileError(f"{path}: not an f3edge latent file (no 'latents' array)") from None
    except Exception as e:  # noqa: BLE001 - zip/npy header parsing of untrusted bytes: any failure is bad input
        raise LatentFileError(f"{path}: not an f3edge latent file ({type(e).__name__}: {str(e)[:100]})") from None
    if len(shape) != 2 or shape[0] > max_frames() or (latent_dim is not None and shape[1] != latent_dim):
        raise LatentFileError(f"{path}: latents of shape {shape} (expected (T <= {max_frames()}, {latent_dim}))")
    if dtype.kind not in "fiu":
        raise LatentFileError(f"{path}: latents must be numbers, not {dtype}")
    try:
        with np.load(path, allow_pickle=False) as d:
            z = np.asarray(d["latents"])
            lf = LatentFile(latents=z, sample_rate=int(d["sample_rate"]), frame_rate=float(d["frame_rate"]),
                            model_id=str(d["model_id"]), model_sha256=str(d["model_sha256"]),
                            num_samples=int(d["num_samples"]) if "num_samples" in d else -1,
                            latent_space=str(d["latent_space"]) if "latent_space" in d else DEFAULT_LATENT_SPACE)
    except Exception as e:  # noqa: BLE001 - malformed zip members, metadata of the wrong type, ...
        raise LatentFileError(f"{path}: not an f3edge latent file ({type(e).__name__}: {str(e)[:100]})") from None
    z = validate_latents(z, latent_dim, str(path))
    return LatentFile(latents=z, **{k: getattr(lf, k) for k in
                      ("sample_rate", "frame_rate", "model_id", "model_sha256", "num_samples", "latent_space")})


def check_latent_space(lf: LatentFile, path, latent_space: str, model_id: str) -> None:
    """Latents of another latent space mean nothing to this decoder, whatever --force says."""
    if lf.latent_space != latent_space:
        raise LatentFileError(f"{path}: latents are in latent space {lf.latent_space!r}; {model_id} decodes "
                              f"{latent_space!r}")


def check_decodable(lf: LatentFile, path, codec, force: bool = False) -> None:
    """`codec` (a Tokenizer or an exported artifact) decodes these latents: same latent space always, and the
    same model unless `force` (another model of the same space decodes them, with its own quality)."""
    check_latent_space(lf, path, codec.latent_space, codec.model_id)
    if lf.model_sha256 != codec.sha256 and not force:
        raise LatentFileError(f"{path}: latents were made by {lf.model_id} ({lf.model_sha256[:12]}), not by "
                              f"{codec.model_id} ({codec.sha256[:12]}); pass --force to decode anyway")
