"""Growing the decoder's 100 Hz stage from a trained checkpoint keeps the model's function exactly."""
import dataclasses

import pytest
import torch

from f3edge.config import ModelConfig, NetConfig
from f3edge.models import F3Codec
from f3edge.models.grow import can_grow, grow_decoder_fine_blocks


def _cfg(fine: int | None) -> ModelConfig:
    return ModelConfig(kind="teacher", name="t", net=NetConfig(fine_channels=16, coarse_channels=24, fine_blocks=1,
                                                               coarse_blocks=1, decoder_fine_blocks=fine))


def test_a_grown_decoder_computes_what_the_checkpoint_did():
    torch.manual_seed(0)
    old, new = _cfg(None), _cfg(3)
    small = F3Codec(old).eval()
    big = F3Codec(new).eval()
    big.load_state_dict(grow_decoder_fine_blocks(small.state_dict(), old, new, big.state_dict()))
    z = torch.randn(1, old.signal.latent_dim, 8)
    with torch.no_grad():
        assert torch.equal(small.decode(z), big.decode(z))
    assert sum(p.numel() for p in big.parameters()) > sum(p.numel() for p in small.parameters())


def test_only_the_decoder_fine_block_count_may_grow():
    old = _cfg(None)
    assert can_grow(old, _cfg(2)) and not can_grow(old, _cfg(1)) and not can_grow(_cfg(2), old)
    wider = dataclasses.replace(_cfg(3), net=dataclasses.replace(_cfg(3).net, fine_channels=32))
    assert not can_grow(old, wider)
    with pytest.raises(ValueError):
        grow_decoder_fine_blocks({}, old, wider, {})
