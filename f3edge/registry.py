"""Named models shipped inside the package (package data), so nothing needs a network."""
from __future__ import annotations

from pathlib import Path

from .errors import CheckpointError

WEIGHTS_DIR = Path(__file__).parent / "weights"
DEFAULT_MODEL = "f3edge-student-s-v2"
# the server half of the default's latent space: the teacher its students were distilled from
DEFAULT_TEACHER = "f3edge-teacher-v2"
# representation encoders live apart from the autoencoders: they read latents, they do not make them
REPRESENTATION_DIR = WEIGHTS_DIR / "representation"


def available_models() -> list[str]:
    if not WEIGHTS_DIR.is_dir():
        return []
    return sorted(p.name for p in WEIGHTS_DIR.iterdir() if (p / "model.safetensors").is_file())


def resolve_checkpoint_path(name_or_path: str | None) -> Path:
    """A registry name (see `available_models()`) or a checkpoint folder path."""
    name = name_or_path or DEFAULT_MODEL
    if (WEIGHTS_DIR / name).is_dir():
        return WEIGHTS_DIR / name
    path = Path(name)
    if path.is_dir():
        return path
    known = ", ".join(available_models()) or "none installed"
    raise CheckpointError(f"unknown model '{name}': not a bundled model ({known}) nor a checkpoint folder")


def available_representations() -> list[str]:
    if not REPRESENTATION_DIR.is_dir():
        return []
    return sorted(p.name for p in REPRESENTATION_DIR.iterdir() if (p / "model.safetensors").is_file())


def resolve_representation_path(name_or_path: str) -> Path:
    """A bundled representation encoder's name (see `available_representations()`) or a checkpoint folder."""
    if name_or_path in available_representations():
        return REPRESENTATION_DIR / name_or_path
    path = Path(name_or_path)
    if path.is_dir():
        return path
    known = ", ".join(available_representations()) or "none bundled"
    raise CheckpointError(f"unknown representation encoder '{name_or_path}': not a bundled one ({known}) "
                          "nor a checkpoint folder")


def bundled_representation(latent_space: str) -> str | None:
    """The bundled representation encoder trained on `latent_space`, if there is one."""
    import json
    for name in available_representations():
        cfg = json.loads((REPRESENTATION_DIR / name / "config.json").read_text())
        if cfg.get("latent_space") == latent_space:
            return name
    return None
