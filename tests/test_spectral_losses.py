"""Phase-aware losses at the decoder's own STFT."""
import math

import pytest
import torch

from f3edge.streaming import CausalSTFT
from f3edge.training.spectral_losses import (PhaseLossWeights, anti_wrap, causal_stft, phase_aware_losses,
                                             phase_terms, split)

ALL = PhaseLossWeights(compressed_magnitude=1.0, compressed_complex=1.0, phase=1.0, consistency=1.0)


def test_causal_stft_has_the_framing_of_the_models_streaming_stft(speech_16k):
    x = torch.from_numpy(speech_16k[:6400])[None, None]
    ref = CausalSTFT(640, 160)(x.double().float())
    assert torch.allclose(causal_stft(x, 640, 160), ref, atol=1e-3 * ref.abs().max())


def test_anti_wrapping_ignores_multiples_of_two_pi():
    d = torch.tensor([0.1, 0.1 + 2 * math.pi, 0.1 - 4 * math.pi, math.pi])
    assert torch.allclose(anti_wrap(d), torch.tensor([0.1, 0.1, 0.1, math.pi]), atol=1e-5)


def test_every_term_is_zero_for_the_true_spectrum_and_positive_for_a_wrong_phase(speech_16k):
    x = torch.from_numpy(speech_16k[16000:16000 + 12800])[None, None]
    spec = causal_stft(x, 640, 160)
    same = phase_aware_losses(spec, x, x, 640, 160, ALL)
    for k, v in same.items():
        assert float(v) == pytest.approx(0.0, abs=1e-4), k
    re, im = split(spec)
    rotated = torch.cat([-im, re], dim=1)            # every bin's phase turned by 90 degrees
    wrong = phase_aware_losses(rotated, x, x, 640, 160, ALL)
    assert float(wrong["phase_ip"]) == pytest.approx(math.pi / 2, rel=1e-3)
    assert float(wrong["ccomplex"]) > 0.1 and float(wrong["cmag"]) < 1e-6


def test_phase_terms_weight_silent_bins_out(speech_16k):
    torch.manual_seed(0)
    re, im = torch.randn(1, 5, 8), torch.randn(1, 5, 8)
    noisy_re, noisy_im = torch.randn(1, 5, 8), torch.randn(1, 5, 8)
    weight = torch.zeros(1, 5, 8)
    weight[:, :2] = 1.0
    pr = torch.cat([re[:, :2], noisy_re[:, 2:]], dim=1)
    pi = torch.cat([im[:, :2], noisy_im[:, 2:]], dim=1)
    t = phase_terms(pr, pi, re, im, weight)
    assert float(t["phase_ip"]) == pytest.approx(0.0, abs=1e-5)


def test_only_enabled_terms_are_computed_and_gradients_are_finite(speech_16k):
    x = torch.from_numpy(speech_16k[:6400])[None, None]
    spec = (causal_stft(x, 640, 160) * 0.5).requires_grad_(True)
    out = phase_aware_losses(spec, x, x, 640, 160, PhaseLossWeights(phase=1.0))
    assert set(out) == {"phase_ip", "phase_gd", "phase_iaf", "phase", "total"}
    out["total"].backward()
    assert torch.isfinite(spec.grad).all()
    zero = torch.zeros(1, 642, 40, requires_grad=True)
    phase_aware_losses(zero, x, x, 640, 160, ALL)["total"].backward()
    assert torch.isfinite(zero.grad).all()
