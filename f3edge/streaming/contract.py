"""The streaming state contract: state is data, never a module attribute.

    y, new_state = block.step(x_chunk, state)
    state0 = block.init_state(batch)
    block.state_spec(batch)  -> ordered [StateSpec(name, shape, dtype)]

A state is a tuple of tensors in `state_spec()` order. Composite blocks concatenate the states of their
children, so a whole encoder step flattens to `forward(chunk, *states) -> (out, *new_states)`.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

import torch
from torch import Tensor, nn

State = tuple[Tensor, ...]


@dataclass(frozen=True)
class StateSpec:
    name: str
    shape: tuple[int, ...]
    dtype: torch.dtype = torch.float32

    def to_dict(self) -> dict:
        return {"name": self.name, "shape": list(self.shape), "dtype": str(self.dtype).replace("torch.", "")}


class StreamingModule(nn.Module):
    """Base for blocks that run both on whole sequences (`forward`) and chunk by chunk (`step`)."""

    def state_spec(self, batch: int = 1) -> list[StateSpec]:
        return []

    def init_state(self, batch: int = 1, device=None) -> State:
        dev = device if device is not None else _module_device(self)
        return tuple(torch.zeros(s.shape, dtype=s.dtype, device=dev) for s in self.state_spec(batch))

    def step(self, x: Tensor, state: State) -> tuple[Tensor, State]:
        raise NotImplementedError

    @property
    def chunk_multiple(self) -> int:
        """Input chunks given to `step` must be a multiple of this many time steps."""
        return 1


class StreamingSequential(StreamingModule):
    """Runs children in order; the state is the concatenation of the children's states."""

    def __init__(self, *blocks: nn.Module):
        super().__init__()
        self.blocks = nn.ModuleList(blocks)

    def forward(self, x: Tensor) -> Tensor:
        for b in self.blocks:
            x = b(x)
        return x

    def state_spec(self, batch: int = 1) -> list[StateSpec]:
        specs = []
        for i, b in enumerate(self.blocks):
            if isinstance(b, StreamingModule):
                specs += [StateSpec(f"{i}.{s.name}", s.shape, s.dtype) for s in b.state_spec(batch)]
        return specs

    def step(self, x: Tensor, state: State) -> tuple[Tensor, State]:
        new_state: list[Tensor] = []
        pos = 0
        for b in self.blocks:
            if isinstance(b, StreamingModule):
                n = len(b.state_spec(1))
                x, s = b.step(x, tuple(state[pos:pos + n]))
                new_state += s
                pos += n
            else:  # stateless, pointwise in time
                x = b(x)
        return x, tuple(new_state)

    @property
    def chunk_multiple(self) -> int:
        # A child that needs chunks of m steps after the input was decimated by `scale` needs
        # m * scale input steps; `time_stride` is >1 for downsampling, a fraction for upsampling.
        m, scale = Fraction(1), Fraction(1)
        for b in self.blocks:
            if isinstance(b, StreamingModule):
                need = b.chunk_multiple * scale
                m = _lcm_fraction(m, need)
                scale *= Fraction(getattr(b, "time_stride", 1))
        return int(m) if m.denominator == 1 else math.ceil(m)


def _lcm_fraction(a: Fraction, b: Fraction) -> Fraction:
    if b.denominator != 1:  # upsampled side: any whole input step is fine
        return a
    return Fraction(math.lcm(int(a), int(b)))


def _module_device(m: nn.Module):
    for p in m.parameters():
        return p.device
    for b in m.buffers():
        return b.device
    return torch.device("cpu")
