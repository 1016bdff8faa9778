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


def test_a_grown_representation_encoder_computes_what_the_shallower_one_did():
    from f3edge.models.grow import grow_representation_blocks
    from f3edge.models.representation import RepresentationConfig, RepresentationModel
    torch.manual_seed(0)
    old = RepresentationConfig(channels=16, blocks=2, out_dim=8, rq_codebook=16, ctc_classes=5)
    new = dataclasses.replace(old, blocks=5)
    small, big = RepresentationModel(old).eval(), RepresentationModel(new).eval()
    big.load_state_dict(grow_representation_blocks(small.state_dict(), 2, 5, big.state_dict()))
    z = torch.randn(2, old.latent_dim, 12)
    with torch.no_grad():
        assert torch.equal(small.encoder(z), big.encoder(z))
    assert torch.equal(small.ctc_head.weight, big.ctc_head.weight)
    assert big.num_parameters() > small.num_parameters()
    with pytest.raises(ValueError, match="only grow"):
        grow_representation_blocks(big.state_dict(), 5, 2, small.state_dict())
