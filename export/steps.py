"""The student's streaming steps as flat modules: forward(x, *states) -> (y, *new_states), fixed shapes.

This is the one graph every exporter sees. One step = one latent frame: the encoder takes
`latent_hop` samples and returns one latent frame (delayed by the model's lookahead); the decoder
takes one latent frame and returns `latent_hop` samples (lagging by the synthesis delay).
"""
from __future__ import annotations

import copy
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from f3edge.models import F3Student
from f3edge.streaming import StateSpec


@dataclass(frozen=True)
class TensorSpec:
    name: str
    shape: tuple[int, ...]
    dtype: str = "float32"

    def to_dict(self) -> dict:
        return {"name": self.name, "shape": list(self.shape), "dtype": self.dtype}


def _exportable(student: F3Student, drop: str | None = None) -> F3Student:
    """A copy whose fixed DFT bases are ordinary buffers: ExecuTorch's verifier rejects non-persistent
    buffers in an exported program (the checkpoint does not store them; they are recomputed).
    `drop` removes the half a step does not use: ExecuTorch keeps every buffer of the exported module,
    so an encoder .pte would otherwise carry the decoder's 1.6 MB synthesis basis."""
    student = copy.deepcopy(student).eval()
    if drop:
        setattr(student, drop, nn.Module())
    for m in student.modules():
        m._non_persistent_buffers_set.clear()
    return student


class ConvChannelNorm(nn.Module):
    """`channel_normalize` with the channel means as 1x1 convolutions: XNNPACK delegates those, not a
    channel-dim mean. Two separate weight buffers, because a weight shared by two convolutions breaks
    the XNNPACK lowering."""

    def __init__(self, dim: int, eps: float = 1e-5):
        super().__init__()
        self.register_buffer("mean_w", torch.full((1, dim, 1), 1.0 / dim))
        self.register_buffer("var_w", torch.full((1, dim, 1), 1.0 / dim))
        self.eps = eps

    def forward(self, h: Tensor) -> Tensor:
        # Pre-norm activations reach a few hundred; their squares overflow fp16 (Core ML / Neural Engine),
        # so normalize h/64 (the result is the same: the norm is scale-invariant, eps is scaled to match).
        centred = (h - F.conv1d(h, self.mean_w)) * (1.0 / 64.0)
        return centred / torch.sqrt(F.conv1d(centred * centred, self.var_w) + self.eps / 4096.0)


class EncoderStep(nn.Module):
    def __init__(self, student: F3Student):
        super().__init__()
        self.student = _exportable(student, drop="decoder")
        self.norm = ConvChannelNorm(student.cfg.signal.latent_dim)

    def forward(self, audio: Tensor, *state: Tensor):
        h, new_state = self.student.encoder.step(audio, tuple(state))
        return (self.norm(h), *new_state)

    def state_spec(self) -> list[StateSpec]:
        return self.student.encoder_state_spec(1)

    def io(self) -> tuple[list[TensorSpec], list[TensorSpec]]:
        s = self.student.cfg.signal
        states = [TensorSpec(f"state_{i}", st.shape) for i, st in enumerate(self.state_spec())]
        inputs = [TensorSpec("audio", (1, 1, s.latent_hop))] + states
        outputs = [TensorSpec("latent", (1, s.latent_dim, 1))] + [TensorSpec(f"new_{t.name}", t.shape) for t in states]
        return inputs, outputs


class DecoderStep(nn.Module):
    def __init__(self, student: F3Student):
        super().__init__()
        self.student = _exportable(student, drop="encoder")

    def forward(self, latent: Tensor, *state: Tensor):
        y, new_state = self.student.decoder_step(latent, tuple(state))
        return (y, *new_state)

    def state_spec(self) -> list[StateSpec]:
        return self.student.decoder_state_spec(1)

    def io(self) -> tuple[list[TensorSpec], list[TensorSpec]]:
        s = self.student.cfg.signal
        states = [TensorSpec(f"state_{i}", st.shape) for i, st in enumerate(self.state_spec())]
        inputs = [TensorSpec("latent", (1, s.latent_dim, 1))] + states
        outputs = [TensorSpec("audio", (1, 1, s.latent_hop))] + [TensorSpec(f"new_{t.name}", t.shape) for t in states]
        return inputs, outputs


def example_inputs(step: nn.Module, seed: int = 0) -> tuple[Tensor, ...]:
    """Contiguous example inputs (XNNPACK fails at run time on non-contiguous export examples)."""
    g = torch.Generator().manual_seed(seed)
    inputs, _ = step.io()
    return tuple(torch.randn(t.shape, generator=g).contiguous() * 0.1 for t in inputs)


def convert_then_quantize(path, convert, quantize, precision: str) -> None:
    """fp32: `convert(path)`. int8: convert to a temp fp32 file, then `quantize(fp32_path, path)` —
    the route of every converter whose int8 pass works on its own fp32 format (ONNX, TFLite)."""
    import tempfile
    from pathlib import Path
    if precision == "fp32":
        convert(path)
        return
    with tempfile.TemporaryDirectory() as tmp:
        fp32 = Path(tmp) / f"fp32{Path(path).suffix}"
        convert(fp32)
        quantize(fp32, path)
