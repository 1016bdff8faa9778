"""Mel spectra (f3edge/mel.py): the latent-rate log-mel that the probes' log-mel row and RQ-MTP's log-mel targets
share."""
import math

import pytest
import torch

from f3edge.mel import latent_rate_log_mel, latent_rate_mel_dim, log_mel


def test_latent_rate_frames_stack_the_10ms_frames_of_one_hop():
    torch.manual_seed(0)
    x = torch.randn(2, 16000)
    y = latent_rate_log_mel(x, 16000, 640)
    ten_ms = log_mel(x, 16000, 1024, 160, 80)             # (B, 80, 101)
    assert y.shape == (2, 101 // 4, 320)
    assert torch.equal(y[:, 3, 80:160], ten_ms[:, :, 13])  # latent frame 3 holds 10 ms frames 12..15


def test_a_tone_lands_in_its_own_mel_bins_and_frames():
    t = torch.arange(16000 * 2) / 16000
    x = torch.zeros_like(t)
    x[16000:] = torch.sin(2 * math.pi * 1000 * t[16000:])   # silence, then one second of 1 kHz
    y = latent_rate_log_mel(x[None], 16000, 640)[0].reshape(-1, 4, 80)
    assert y[:20].max() < y[30:].max() - 5                   # the loud half is louder
    peak = y[30:].mean((0, 1)).argmax()
    assert 20 <= peak <= 35                                   # 1 kHz on an 80-bin mel scale to 8 kHz


def test_a_hop_that_is_not_whole_10ms_frames_is_refused():
    assert latent_rate_mel_dim(16000, 640) == 320 and latent_rate_mel_dim(24000, 480) == 160
    with pytest.raises(ValueError, match="10 ms"):
        latent_rate_mel_dim(16000, 600)
