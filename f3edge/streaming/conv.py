"""Causal convolutions with functional streaming state.

CausalConv1d: output frame t sees inputs up to the *end* of its stride block, t*s + s - 1, so a strided
conv wastes no lookahead. The state is the last `pad` input steps.
CausalConvTranspose1d: each input frame writes `kernel` outputs; the first `stride` are final, the rest
(the overlap tail) is carried in the state and added to the next chunk.
"""
from __future__ import annotations

from fractions import Fraction

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .contract import State, StateSpec, StreamingModule


class CausalConv1d(StreamingModule):
    def __init__(self, in_ch: int, out_ch: int, kernel: int, stride: int = 1, dilation: int = 1,
                 groups: int = 1, bias: bool = True):
        super().__init__()
        span = (kernel - 1) * dilation + 1
        if span < stride:
            raise ValueError("kernel span must be >= stride")
        self.conv = nn.Conv1d(in_ch, out_ch, kernel, stride=stride, dilation=dilation, groups=groups, bias=bias)
        self.pad = span - stride
        self.stride = stride
        self.time_stride = stride

    def forward(self, x: Tensor) -> Tensor:
        return self.conv(F.pad(x, (self.pad, 0)))

    def state_spec(self, batch: int = 1) -> list[StateSpec]:
        if self.pad == 0:
            return []
        return [StateSpec("history", (batch, self.conv.in_channels, self.pad))]

    def step(self, x: Tensor, state: State) -> tuple[Tensor, State]:
        xx, new_state = with_history(x, state)
        return self.conv(xx), new_state

    @property
    def chunk_multiple(self) -> int:
        return self.stride


class CausalConvTranspose1d(StreamingModule):
    def __init__(self, in_ch: int, out_ch: int, kernel: int, stride: int, bias: bool = True):
        super().__init__()
        if kernel < stride:
            raise ValueError("kernel must be >= stride")
        # The bias is added once per output sample, after overlap-add, so chunks never add it twice.
        self.conv = nn.ConvTranspose1d(in_ch, out_ch, kernel, stride=stride, bias=False)
        self.bias = nn.Parameter(torch.zeros(out_ch)) if bias else None
        self.stride = stride
        self.tail = kernel - stride
        self.time_stride = Fraction(1, stride)

    def _finish(self, y: Tensor) -> Tensor:
        return y if self.bias is None else y + self.bias[:, None]

    def forward(self, x: Tensor) -> Tensor:
        y = self.conv(x)
        return self._finish(y[..., : x.shape[-1] * self.stride])

    def state_spec(self, batch: int = 1) -> list[StateSpec]:
        if self.tail == 0:
            return []
        return [StateSpec("tail", (batch, self.conv.out_channels, self.tail))]

    def step(self, x: Tensor, state: State) -> tuple[Tensor, State]:
        y = self.conv(x)
        n = x.shape[-1] * self.stride
        if self.tail == 0:
            return self._finish(y), ()
        head = y[..., : self.tail] + state[0]
        y = torch.cat([head, y[..., self.tail:]], dim=-1)
        return self._finish(y[..., :n]), (y[..., n:],)

    def flush(self, state: State) -> Tensor:
        """The overlap tail left after the last frame (what a full-length decode would append)."""
        if self.tail == 0:
            raise ValueError("this layer has no overlap tail to flush")
        return self._finish(state[0])


def with_history(x: Tensor, state: State) -> tuple[Tensor, State]:
    """Prepend the carried history to a chunk; the new history is the chunk's last steps."""
    if not state:
        return x, ()
    pad = state[0].shape[-1]
    xx = torch.cat([state[0], x], dim=-1)
    return xx, (xx[..., xx.shape[-1] - pad:],)
