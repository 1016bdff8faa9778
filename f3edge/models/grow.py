"""Start a model with more decoder fine blocks (the 100 Hz stage where the spectrum is made) from a trained
checkpoint that has fewer: every trained weight keeps its role, and each new block starts as the identity
(its residual scale gamma = 0), so the grown model computes exactly what the checkpoint did. Training then
decides how much the new capacity is used.

The same holds for the representation encoder's ConvNeXt blocks (`grow_representation_blocks`): a run may start
a deeper encoder from a trained one (the trainer's init_from)."""
from __future__ import annotations

import re

import torch

from ..config import ModelConfig


def _first_fine_index(cfg: ModelConfig) -> int:
    # decoder = [latent conv, coarse blocks..., upsampling conv, fine blocks..., spectral head, iSTFT]
    return 1 + cfg.net.coarse_blocks + 1


def can_grow(old: ModelConfig, new: ModelConfig) -> bool:
    """The same model but for more decoder fine blocks."""
    import dataclasses
    if new.net.decoder_fine <= old.net.decoder_fine:
        return False
    same_net = dataclasses.replace(new.net, decoder_fine_blocks=old.net.decoder_fine)
    return (old.signal == new.signal and old.kind == new.kind and old.causal == new.causal
            and dataclasses.replace(old.net, decoder_fine_blocks=old.net.decoder_fine) == same_net)


def _insert_identity_blocks(state: dict[str, torch.Tensor], fresh: dict[str, torch.Tensor], prefix: str, at: int,
                            added: int) -> dict[str, torch.Tensor]:
    """`state` with `added` blocks inserted at index `at` of the module list `prefix` (the layers from `at` on move
    behind them); the new blocks take `fresh`'s weights (the new model's own) with gamma = 0, the identity."""
    pattern = re.compile(re.escape(prefix) + r"\.(\d+)\.(.*)")
    out = dict(fresh)
    for key, value in state.items():
        m = pattern.match(key)
        if m and int(m.group(1)) >= at:
            key = f"{prefix}.{int(m.group(1)) + added}.{m.group(2)}"
        out[key] = value
    for i in range(at, at + added):
        out[f"{prefix}.{i}.gamma"] = torch.zeros_like(fresh[f"{prefix}.{i}.gamma"])
    return out


def grow_decoder_fine_blocks(state: dict[str, torch.Tensor], old: ModelConfig, new: ModelConfig,
                             fresh: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """`state` (a checkpoint of `old`) mapped onto a model of `new`; `fresh` is the new model's own state
    (it supplies the new blocks' initial weights)."""
    if not can_grow(old, new):
        raise ValueError("only the decoder's fine-block count may grow")
    # after the trained fine blocks: the spectral head onwards move behind the new ones
    return _insert_identity_blocks(state, fresh, "decoder.blocks", _first_fine_index(old) + old.net.decoder_fine,
                                   new.net.decoder_fine - old.net.decoder_fine)


def grow_representation_blocks(state: dict[str, torch.Tensor], old_blocks: int, new_blocks: int,
                               fresh: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """`state` (a representation model with `old_blocks` blocks) mapped onto one with `new_blocks`, the new
    blocks appended after the trained ones and starting as the identity; `fresh` is the new model's own state."""
    if new_blocks <= old_blocks:
        raise ValueError("the encoder's block count may only grow")
    # net = [input conv, ConvNeXt blocks..., output conv]: the output conv moves behind the new blocks
    return _insert_identity_blocks(state, fresh, "encoder.net.blocks", 1 + old_blocks, new_blocks - old_blocks)
