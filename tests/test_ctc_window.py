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
        "enc (per frame)": (7, 6), "enc stacked t-2..t+2": (7, 30), "enc + latents (per frame)": (7, 10)}
    assert all(len(v[1]) == 3 for v in rows.values())
