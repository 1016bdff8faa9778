"""The benchmark harness end to end in smoke mode (no timing assertions: only that it measures)."""
import json
import subprocess
import sys

import numpy as np
import pytest

from conftest import REPO, SHARED


@pytest.mark.skipif(not (SHARED / "peers" / "lyra").is_dir(), reason="needs ../shared/peers/lyra")
def test_smoke_run_writes_results_with_f3edge_and_peers(tmp_path):
    p = subprocess.run([sys.executable, "-m", "benchmarks.run", "--smoke", "--out", str(tmp_path)],
                       capture_output=True, text=True, cwd=REPO, timeout=600)
    assert p.returncode == 0, p.stderr[-3000:]
    results = json.loads((tmp_path / "results.json").read_text())
    names = [c["name"] for c in results["configs"]]
    assert any(n.endswith("/onnx-int8") for n in names) and "lyra-v2-continuous" in names and "opus-6kbps" in names
    for c in results["configs"]:
        assert "error" not in c, c
        assert 0.0 < c["quality"]["stoi"] <= 1.0
    by_name = {c["name"]: c for c in results["configs"]}
    # the runtime-vs-eager check on dev speech the export never saw (issue 4's independent check)
    onnx_fp32 = next(c for n, c in by_name.items() if n.endswith("/onnx-fp32"))
    onnx_int8 = next(c for n, c in by_name.items() if n.endswith("/onnx-int8"))
    assert onnx_fp32["quality"]["latent_snr_vs_eager_db"] >= 60
    # U8U8 int8 is exact on every CPU family (export/onnx.py); the parity gate's floor
    assert onnx_int8["quality"]["latent_snr_vs_eager_db"] >= 25
    assert (tmp_path / "results.md").read_text().count("|") > 20
    assert (tmp_path / "quality_vs_bytes.png").stat().st_size > 1000


def test_speed_peers_build_from_their_packages_and_report_speed():
    """EnCodec/Mimi with random weights: sizes match the published architectures, speed is measured."""
    import importlib.util
    if not (importlib.util.find_spec("encodec") and importlib.util.find_spec("moshi")):
        pytest.skip("pip install --no-deps encodec==0.1.1 moshi==0.2.13 (README test command)")
    from benchmarks.neural_peers import NeuralPeer
    assert 79e6 < NeuralPeer("mimi").params < 80e6
    p = subprocess.run([sys.executable, "-m", "benchmarks.speed_one", "--kind", "neural-peer", "--path",
                        "encodec-24khz", "--threads", "1", "--runs", "1",
                        "--audio", str(REPO / "f3edge" / "samples" / "arctic_a0007.flac")],
                       capture_output=True, text=True, cwd=REPO, timeout=600)
    assert p.returncode == 0, p.stderr[-3000:]
    r = json.loads(p.stdout.strip().splitlines()[-1])
    assert 14e6 < r["params"] < 15.5e6 and r["sample_rate"] == 24000
    assert r["encode_rtf"]["median"] > 0 and r["decode_rtf"]["median"] > 0 and r["model_rss_mb"] > 0


def test_codec_delay_recovers_a_constant_delay_from_noisy_speech(speech_16k):
    from benchmarks.measure import codec_delay, shift
    rng = np.random.default_rng(0)
    clips = [speech_16k[:16000], speech_16k[16000:40000]]
    pairs = []
    for x in clips:      # the delayed copy plus noise 20 dB down: a stand-in for a codec with 10 ms delay
        y = np.concatenate([np.zeros(160, np.float32), x])
        pairs.append((x, y + 0.1 * y.std() * rng.standard_normal(len(y)).astype(np.float32)))
    lag = codec_delay(pairs)
    assert lag == 160
    x, y = pairs[0]
    assert len(shift(y, lag, len(x))) == len(x)
    assert np.corrcoef(shift(y, lag, len(x)), x)[0, 1] > 0.99


def test_shift_pads_a_short_reconstruction_with_zeros():
    from benchmarks.measure import shift
    assert shift(np.ones(5, np.float32), 2, 6).tolist() == [1, 1, 1, 0, 0, 0]
