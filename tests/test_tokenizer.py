"""The public API on the bundled default model and real speech."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import f3edge
from f3edge.errors import F3EdgeInputError


def test_encode_gives_t_by_64_at_25_hz(tok, speech_16k):
    z = tok.encode(speech_16k, 16000)
    assert z.shape == (int(np.ceil(len(speech_16k) / 640)), 64)
    assert z.dtype == np.float32
    assert np.allclose(z.mean(axis=1), 0, atol=1e-4)


def test_decode_returns_the_input_length(tok, speech_16k):
    z = tok.encode(speech_16k)
    assert len(tok.decode(z)) == len(z) * 640
    assert len(tok.reconstruct(speech_16k)) == len(speech_16k)


@settings(max_examples=12, deadline=None)
@given(pushes=st.lists(st.integers(1, 4000), min_size=1, max_size=30))
def test_stream_latents_equal_offline_latents_whatever_the_push_sizes(tok, speech_16k, pushes):
    x = speech_16k[:24000]
    offline = tok.encode(x)
    parts, pos = [], 0
    with tok.stream() as s:
        for n in pushes:
            parts.append(s.push(x[pos:pos + n]))
            pos += n
        parts.append(s.push(x[pos:]))
        parts.append(s.flush())
    streamed = np.concatenate(parts)
    assert streamed.shape == offline.shape
    assert np.abs(streamed - offline).max() <= 1e-4


def test_decode_stream_equals_offline_decode(tok, speech_16k):
    z = tok.encode(speech_16k[:16000])
    offline = tok.decode(z)
    with tok.decode_stream() as s:
        parts = [s.push(z[i:i + 3]) for i in range(0, len(z), 3)] + [s.flush()]
    assert np.abs(np.concatenate(parts) - offline).max() <= 1e-4


def test_stream_resamples_other_rates(tok, speech_16k):
    import soxr
    x8 = soxr.resample(speech_16k, 16000, 8000)
    with tok.stream(sr=8000) as s:
        z = np.concatenate([s.push(x8[i:i + 999]) for i in range(0, len(x8), 999)] + [s.flush()])
    assert abs(len(z) - int(np.ceil(len(speech_16k) / 640))) <= 1


def test_bad_arrays_are_input_errors(tok):
    with pytest.raises(F3EdgeInputError):
        tok.encode(np.zeros(100, np.float32))          # shorter than one frame
    with pytest.raises(F3EdgeInputError):
        tok.encode(np.full(16000, np.nan, np.float32))
    with pytest.raises(F3EdgeInputError):
        tok.decode(np.zeros((5, 32), np.float32))


def test_info_reports_size_rates_and_latency(tok):
    info = tok.info()
    assert info["frame_rate_hz"] == 25.0 and info["latent_dim"] == 64
    assert info["parameters"] <= 1_500_000
    assert info["algorithmic_latency_ms"] == pytest.approx(1000 * (640 * (1 + info["lookahead_frames"]) + 480) / 16000)
    assert f3edge.load(f3edge.DEFAULT_MODEL).sha256 == tok.sha256
