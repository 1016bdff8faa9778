"""The factorized real DFT computes torch.fft's transform with small constants only."""
import pytest
import torch

from f3edge.streaming.fft import InverseRealDFT, RealDFT, split_factors


@pytest.mark.parametrize("n_fft", [640, 64, 96, 512])
def test_real_dft_matches_torch_rfft(n_fft):
    torch.manual_seed(n_fft)
    x = torch.randn(3, 7, n_fft)
    ref = torch.fft.rfft(x.double())
    y = RealDFT(n_fft)(x).double()
    n = n_fft // 2 + 1
    scale = ref.abs().max()
    assert (y[..., :n] - ref.real).abs().max() / scale < 1e-6
    assert (y[..., n:] - ref.imag).abs().max() / scale < 1e-6


@pytest.mark.parametrize("n_fft", [640, 64, 96])
def test_inverse_real_dft_matches_torch_irfft(n_fft):
    torch.manual_seed(n_fft)
    spec = torch.fft.rfft(torch.randn(5, n_fft, dtype=torch.float64))
    n = n_fft // 2 + 1
    coef = torch.full((n,), 2.0 / n_fft, dtype=torch.float64)
    coef[0] = coef[-1] = 1.0 / n_fft      # the caller's weights: 1/N, doubled where the mirror bin is implied
    packed = torch.cat([spec.real * coef, spec.imag * coef], dim=-1).float()
    x = InverseRealDFT(n_fft)(packed).double()
    ref = torch.fft.irfft(spec, n=n_fft)
    assert (x - ref).abs().max() / ref.abs().max() < 1e-6


def test_constants_are_a_few_thousand_and_below_the_core_ml_w8_threshold():
    from f3edge.export.coreml import W8_WEIGHT_THRESHOLD
    for module in (RealDFT(640), InverseRealDFT(640)):
        sizes = [b.numel() for b in module.buffers()]
        assert sum(sizes) < 6000 and max(sizes) <= W8_WEIGHT_THRESHOLD   # dense basis: 410 880


def test_split_factors_balances_the_stages_and_rejects_primes():
    assert split_factors(640) == (32, 20)
    assert split_factors(64) == (8, 8)
    with pytest.raises(ValueError, match="no factorization"):
        split_factors(641)
