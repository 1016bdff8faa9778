"""Training data: corpus manifests, the held-out split, random crops."""
from .dataset import CropConfig, CropSampler
from .manifest import HELD_OUT, Clip, is_held_out, load_clips, read_corpus_manifest, training_split

__all__ = ["CropConfig", "CropSampler", "Clip", "HELD_OUT", "is_held_out", "load_clips", "read_corpus_manifest", "training_split"]
