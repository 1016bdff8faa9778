"""Whisper's audio encoder, rebuilt in PyTorch from the same CTranslate2 `model.bin` as the frozen decoder:
the reference row of the representation probes (features of an encoder trained with supervision on
680 000 hours of speech, against which our small self-supervised encoders are read).

Input: Whisper's 80-bin log-mel at 100 Hz (faster-whisper's feature extractor, n_fft 400, hop 160), padded
to 30 s as Whisper was trained; output: 50 Hz features (width 384 for tiny.en), cut to the audio's length.
Two convolutions (the second strided), sinusoidal positions, pre-norm transformer layers, final layer norm.
"""
from __future__ import annotations

import functools

from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from .ctranslate2_file import CTranslate2FileError
from .whisper_decoder import _Attention, _frozen, _linear, _load_self_attention_and_mlp, _norm, _read_whisper

SAMPLE_RATE = 16000
HOP = 160
WINDOW_SECONDS = 30
WINDOW_FRAMES = WINDOW_SECONDS * SAMPLE_RATE // HOP   # 3000 mel frames -> 1500 encoder frames


class _Layer(nn.Module):
    def __init__(self, width: int, heads: int):
        super().__init__()
        self.self_attention = _Attention(width, heads, fused_qkv=True, causal=False)
        self.mlp_norm = nn.LayerNorm(width)
        self.mlp = nn.Sequential(nn.Linear(width, 4 * width), nn.GELU(), nn.Linear(4 * width, width))

    def forward(self, x):
        x = self.self_attention(x)
        return x + self.mlp(self.mlp_norm(x))


class WhisperEncoder(nn.Module):
    """log-mel (B, 80, 3000) -> features (B, 1500, width)."""

    def __init__(self, mels: int, width: int, heads: int, layers: int, positions: int):
        super().__init__()
        self.conv1 = nn.Conv1d(mels, width, 3, padding=1)
        self.conv2 = nn.Conv1d(width, width, 3, stride=2, padding=1)
        self.register_buffer("positions", torch.zeros(positions, width))
        self.layers = nn.ModuleList(_Layer(width, heads) for _ in range(layers))
        self.norm = nn.LayerNorm(width)

    @property
    def width(self) -> int:
        return self.norm.weight.shape[0]

    def forward(self, mel: torch.Tensor) -> torch.Tensor:
        x = F.gelu(self.conv2(F.gelu(self.conv1(mel)))).transpose(1, 2)
        x = x + self.positions[: x.shape[1]]
        for layer in self.layers:
            x = layer(x)
        return self.norm(x)


@torch.no_grad()
def load_whisper_encoder(model_dir: str | Path | None = None) -> WhisperEncoder:
    """The frozen encoder (fp32, eval mode, no parameter requires grad)."""
    path, w = _read_whisper(model_dir)
    try:
        width, mels, _ = w["encoder/conv1/weight"].shape
        layers = sum(1 for k in w if k.startswith("encoder/layer_") and k.endswith("/ffn/linear_0/weight"))
        enc = WhisperEncoder(mels, width, int(w["encoder/num_heads"]), layers,
                             w["encoder/position_encodings/encodings"].shape[0])
        _linear(enc.conv1, w, "encoder/conv1")
        _linear(enc.conv2, w, "encoder/conv2")
        enc.positions.copy_(torch.from_numpy(w["encoder/position_encodings/encodings"].astype("float32")))
        for i, layer in enumerate(enc.layers):
            _load_self_attention_and_mlp(layer, w, f"encoder/layer_{i}")
        _norm(enc.norm, w, "encoder/layer_norm")
    except (KeyError, ValueError, RuntimeError) as e:
        raise CTranslate2FileError(f"{path}: not the Whisper encoder layout this reader knows ({e})") from None
    return _frozen(enc)


@functools.lru_cache(maxsize=1)
def _feature_extractor():
    """Built once: it computes its mel filterbank on construction."""
    from faster_whisper.feature_extractor import FeatureExtractor
    return FeatureExtractor(feature_size=80)


def whisper_log_mel(audio_16k: np.ndarray, padding_seconds: float = WINDOW_SECONDS) -> np.ndarray:
    """(80, frames) Whisper log-mel of 16 kHz audio followed by `padding_seconds` of silence (30 s, as Whisper
    pads its input), one frame per 10 ms, with Whisper's own normalisation. Audio that ends in silence of its
    own may take 0: its frames are the same, at a fraction of the cost."""
    return _feature_extractor()(np.asarray(audio_16k, np.float32), padding=int(padding_seconds * SAMPLE_RATE))


@torch.no_grad()
def whisper_features(encoder: WhisperEncoder, audio_16k: np.ndarray) -> np.ndarray:
    """(frames, width) encoder features at 50 Hz for audio of any length, in 30 s windows (the last one
    padded with silence, as in Whisper's training), cut to the audio each window covers."""
    mel = whisper_log_mel(audio_16k)
    frames = max(1, len(audio_16k) // HOP)
    out = []
    for start in range(0, frames, WINDOW_FRAMES):
        y = encoder(torch.from_numpy(np.ascontiguousarray(mel[:, start:start + WINDOW_FRAMES]))[None])[0]
        out.append(y[: (min(WINDOW_FRAMES, frames - start) + 1) // 2].numpy())
    return np.concatenate(out)
