"""Paths of the real-speech clips bundled with the package (see samples/NOTICE.md)."""
from pathlib import Path

SAMPLES = Path(__file__).parent / "samples"


def sample(name: str = "arctic_a0007.flac") -> Path:
    return SAMPLES / name
