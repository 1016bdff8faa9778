"""ConvNeXt-style 1-D blocks, causal (streaming) or centred (teacher).

No normalization inside the block (XNNPACK does not delegate channel LayerNorm); a learned per-channel
residual scale, initialised small, keeps deep stacks stable instead.
"""
from __future__ import annotations

import torch
from torch import Tensor, nn

from ..streaming import CausalConv1d, State, StateSpec, StreamingModule


class ConvNeXtBlock(StreamingModule):
    def __init__(self, channels: int, kernel: int = 7, expansion: int = 2, causal: bool = True,
                 layer_scale: float = 0.1):
        super().__init__()
        self.causal = causal
        if causal:
            self.dwconv = CausalConv1d(channels, channels, kernel, groups=channels)
        else:
            self.dwconv = nn.Conv1d(channels, channels, kernel, padding=kernel // 2, groups=channels)
        self.pw1 = nn.Conv1d(channels, channels * expansion, 1)
        self.act = nn.SiLU()
        self.pw2 = nn.Conv1d(channels * expansion, channels, 1)
        self.gamma = nn.Parameter(torch.full((channels, 1), layer_scale))

    def _mlp(self, h: Tensor) -> Tensor:
        return self.gamma * self.pw2(self.act(self.pw1(h)))

    def forward(self, x: Tensor) -> Tensor:
        return x + self._mlp(self.dwconv(x))

    def state_spec(self, batch: int = 1) -> list[StateSpec]:
        return self.dwconv.state_spec(batch) if self.causal else []

    def step(self, x: Tensor, state: State) -> tuple[Tensor, State]:
        if not self.causal:
            raise RuntimeError("a non-causal block cannot stream")
        h, new_state = self.dwconv.step(x, state)
        return x + self._mlp(h), new_state


def make_conv(in_ch: int, out_ch: int, kernel: int, causal: bool) -> nn.Module:
    if causal:
        return CausalConv1d(in_ch, out_ch, kernel)
    return nn.Conv1d(in_ch, out_ch, kernel, padding=kernel // 2)
