"""Representation-encoder checkpoints (written by `checkpoint.save_checkpoint`): the same verified folder
format as the autoencoders (safetensors + config.json + meta.json with the weights' sha256), holding the
encoder, the seeded RQ quantizer and the next-code heads. The latent space it reads is in its config and
is checked against the latents' source."""
from __future__ import annotations

import os

import numpy as np

from .checkpoint import LoadedModel, load_checkpoint
from .models.representation import RepresentationConfig, RepresentationModel


def load_representation(path: str | os.PathLike) -> LoadedModel:
    return load_checkpoint(path, config_from_json=RepresentationConfig.from_json, build=RepresentationModel)


class Representer:
    """Features for understanding from a model's latents: (T, D) latents -> (T, out_dim) features, whole or
    streamed frame by frame (the same causal encoder either way)."""

    def __init__(self, loaded: LoadedModel):
        self.loaded = loaded
        self.cfg = loaded.config
        self.encoder = loaded.model.encoder.eval()

    @property
    def sha256(self) -> str:
        return self.loaded.sha256

    @property
    def model_id(self) -> str:
        return self.cfg.name

    def check_latent_space(self, latent_space: str, source: str) -> None:
        if latent_space != self.cfg.latent_space:
            from .errors import F3EdgeInputError
            raise F3EdgeInputError(f"{self.model_id} reads latents of space {self.cfg.latent_space!r}, but {source} "
                                   f"makes {latent_space!r}")

    def features(self, z) -> np.ndarray:
        import torch
        from .latents import validate_latents
        z = validate_latents(z, self.cfg.latent_dim)
        with torch.inference_mode():
            h = self.encoder(torch.from_numpy(np.ascontiguousarray(z.T))[None])
        from .tokenizer import check_finite_output
        return check_finite_output(h[0].T.numpy().copy(), "features")

    def stream(self) -> "FeatureStream":
        return FeatureStream(self)

    def save_features(self, path, features: np.ndarray, codec, num_samples: int) -> None:
        """features.npz (atomic): the features plus where they came from (the latents' model and space, this
        encoder), so a reader can tell whose features it holds."""
        from .audio import atomic_path
        with atomic_path(path) as tmp, open(tmp, "wb") as f:
            np.savez(f, features=features.astype(np.float32), frame_rate=np.float64(codec.frame_rate),
                     num_samples=np.int64(num_samples), model_id=np.str_(codec.model_id),
                     model_sha256=np.str_(codec.sha256), latent_space=np.str_(codec.latent_space),
                     representation_id=np.str_(self.model_id), representation_sha256=np.str_(self.sha256))


class FeatureStream:
    """push((n, D) latents) -> (n, out_dim) features; the encoder's state is carried between pushes."""

    def __init__(self, rep: Representer):
        self.rep = rep
        self.state = rep.encoder.init_state(1)

    def push(self, z) -> np.ndarray:
        import torch
        from .latents import validate_latents
        z = validate_latents(z, self.rep.cfg.latent_dim)
        if len(z) == 0:
            return np.zeros((0, self.rep.cfg.out_dim), np.float32)
        with torch.inference_mode():
            h, self.state = self.rep.encoder.step(torch.from_numpy(np.ascontiguousarray(z.T))[None], self.state)
        return h[0].T.numpy().copy()


def load_representer(name_or_path) -> Representer:
    from .registry import resolve_representation_path
    return Representer(load_representation(resolve_representation_path(str(name_or_path))))


def representer_for(codec, representation=None) -> Representer:
    """The representation encoder to use on `codec`'s latents: the one given (a bundled name, a checkpoint
    folder or a loaded `Representer`), else the one bundled for its latent space; its space is checked."""
    from .errors import F3EdgeInputError
    from .registry import bundled_representation
    if representation is None:
        representation = bundled_representation(codec.latent_space)
        if representation is None:
            raise F3EdgeInputError(f"no representation encoder is bundled for latent space {codec.latent_space!r} "
                                   f"(the space of {codec.model_id}): pass one trained by `f3edge train-repr`")
    rep = representation if isinstance(representation, Representer) else load_representer(representation)
    rep.check_latent_space(codec.latent_space, codec.model_id)
    return rep
