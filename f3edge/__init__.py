"""f3edge: an F3-style continuous audio tokenizer for phones.

    import f3edge
    tok = f3edge.load()                  # the bundled default streaming student
    z = tok.encode(wav, sr)              # (T, 64) float32 latents at 25 Hz
    y = tok.decode(z)                    # 16 kHz audio
    with tok.stream() as s: ...          # s.push(pcm) -> latents; s.flush()
"""
from .errors import F3EdgeInputError
from .registry import DEFAULT_MODEL, available_models
from .tokenizer import Tokenizer, load

__version__ = "0.1.0"
__all__ = ["load", "Tokenizer", "available_models", "DEFAULT_MODEL", "F3EdgeInputError", "__version__"]
