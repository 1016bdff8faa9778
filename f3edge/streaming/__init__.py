"""Streaming building blocks with functional state (see contract.py)."""
from .contract import State, StateSpec, StreamingModule, StreamingSequential
from .conv import CausalConv1d, CausalConvTranspose1d, with_history
from .stft import CausalISTFT, CausalSTFT, spectral_features, polar_to_spectrum

__all__ = [
    "State", "StateSpec", "StreamingModule", "StreamingSequential",
    "CausalConv1d", "CausalConvTranspose1d", "with_history",
    "CausalSTFT", "CausalISTFT", "spectral_features", "polar_to_spectrum",
]
