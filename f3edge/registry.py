"""Named models shipped inside the package (package data), so nothing needs a network."""
from __future__ import annotations

from pathlib import Path

from .errors import CheckpointError

WEIGHTS_DIR = Path(__file__).parent / "weights"
DEFAULT_MODEL = "f3edge-student-s"


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
