"""The CTC window diagnostic's feature windows."""
import numpy as np

from benchmarks.ctc_window import causal_stacked, window_rows
from benchmarks.probes import stacked


def test_the_causal_window_sees_no_future_and_is_the_centred_one_delayed():
    z = np.arange(12, dtype=np.float32).reshape(6, 2)
    c = causal_stacked(z)
    assert c.shape == (6, 10)
    np.testing.assert_array_equal(c[:, -2:], z)                     # the newest frame is frame t
    np.testing.assert_array_equal(c[0], np.tile(z[0], 5))           # nothing before the start but frame 0
    np.testing.assert_array_equal(c[4:], stacked(z)[2:4])           # = the centred window two frames later


def test_every_window_row_keeps_one_feature_per_frame():
    z = [np.zeros((7, 4), np.float32), np.ones((3, 4), np.float32)]
    f = [np.zeros((7, 6), np.float32), np.ones((3, 6), np.float32)]
    rows = window_rows(z, f, "enc")
    assert {k: v[0].shape for k, v in rows.items()} == {
        "stacked latents (t-2..t+2, centred)": (7, 20), "stacked latents (t-4..t, causal)": (7, 20),
        "enc (per frame)": (7, 6), "enc stacked t-2..t+2": (7, 30), "enc stacked t-4..t (causal)": (7, 30),
        "enc + latents (per frame)": (7, 10)}
    assert all(len(v[1]) == 3 for v in rows.values())


def test_the_last_layer_output_is_the_encoders_features_and_inner_layers_are_causal():
    import pytest
    import torch
    from benchmarks.ctc_window import layer_outputs
    from f3edge.models.representation import RepresentationConfig, RepresentationEncoder
    torch.manual_seed(0)
    enc = RepresentationEncoder(RepresentationConfig(channels=16, blocks=2, kernel=3, out_dim=8)).eval()
    z = np.random.default_rng(0).standard_normal((20, 64)).astype(np.float32)
    first, last = layer_outputs(enc, z, [1, 3])
    with torch.no_grad():
        full = enc(torch.from_numpy(z.T.copy())[None])[0].T.numpy()
    assert first.shape == (20, 16) and np.allclose(last, full, atol=1e-6)
    later = z.copy()
    later[12:] += 5
    assert np.array_equal(layer_outputs(enc, later, [1])[0][:12], first[:12])
    with pytest.raises(ValueError, match="out of range"):
        layer_outputs(enc, z, [4])
