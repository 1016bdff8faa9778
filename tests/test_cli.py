"""The `f3edge` command: outputs, and one clear line + exit 2 on bad input."""
import json
import subprocess
import sys

import numpy as np
import pytest
import soundfile as sf


def run(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "f3edge", *map(str, args)], capture_output=True, text=True,
                          cwd=cwd, timeout=300)


def assert_bad_input(proc):
    assert proc.returncode == 2, proc.stderr
    lines = [l for l in proc.stderr.splitlines() if l.strip() and not _is_library_noise(l)]
    assert len(lines) == 1, proc.stderr
    assert "Traceback" not in proc.stderr


def _is_library_noise(line: str) -> bool:
    # third-party import-time warnings are not ours to silence here
    return "Warning" in line or line.startswith(" ")


@pytest.fixture(scope="module")
def bad_files(tmp_path_factory, speech_16k):
    d = tmp_path_factory.mktemp("bad")
    (d / "zero.wav").write_bytes(b"")
    (d / "text.wav").write_text("this is not audio\n" * 20)
    sf.write(d / "full.wav", speech_16k, 16000)
    data = (d / "full.wav").read_bytes()
    (d / "trunc.wav").write_bytes(data[: len(data) // 3])
    nan = speech_16k.copy()
    nan[1000:1010] = np.nan
    sf.write(d / "nan.wav", nan, 16000, subtype="FLOAT")
    sf.write(d / "10ms.wav", speech_16k[:160], 16000)
    return d


@pytest.mark.parametrize("name", ["missing.wav", "zero.wav", "text.wav", "trunc.wav", "nan.wav", "10ms.wav"])
def test_encode_bad_input_exits_2_with_one_line_and_no_output(bad_files, tmp_path, name):
    out = tmp_path / "z.npz"
    assert_bad_input(run("encode", bad_files / name, "-o", out))
    assert list(tmp_path.iterdir()) == []


def test_encode_decode_round_trip_keeps_length(tmp_path, speech_16k):
    sf.write(tmp_path / "in.wav", speech_16k, 16000)
    p = run("encode", tmp_path / "in.wav", "-o", tmp_path / "z.npz")
    assert p.returncode == 0, p.stderr
    d = np.load(tmp_path / "z.npz")
    assert d["latents"].shape == (int(np.ceil(len(speech_16k) / 640)), 64)
    assert int(d["sample_rate"]) == 16000 and float(d["frame_rate"]) == 25.0 and len(str(d["model_sha256"])) == 64
    p = run("decode", tmp_path / "z.npz", "-o", tmp_path / "out.wav")
    assert p.returncode == 0, p.stderr
    y, sr = sf.read(tmp_path / "out.wav")
    assert sr == 16000 and len(y) == len(speech_16k)


def test_reconstruct_accepts_stereo_44k(tmp_path, speech_16k):
    import soxr
    x = soxr.resample(speech_16k, 16000, 44100)
    sf.write(tmp_path / "st.flac", np.stack([x, x], 1), 44100)
    p = run("reconstruct", tmp_path / "st.flac", "-o", tmp_path / "r.wav", "--latents", tmp_path / "r.npz")
    assert p.returncode == 0, p.stderr
    y, sr = sf.read(tmp_path / "r.wav")
    assert sr == 16000 and abs(len(y) - len(speech_16k)) <= 640


def default_space() -> str:
    """The latent space of the bundled default model."""
    from f3edge.registry import DEFAULT_MODEL, resolve_checkpoint_path
    return json.loads((resolve_checkpoint_path(DEFAULT_MODEL) / "config.json").read_text())["latent_space"]


def test_decode_refuses_latents_of_another_model_unless_forced(tmp_path, speech_16k):
    from f3edge.latents import LatentFile, save_latents
    z = np.random.default_rng(0).standard_normal((10, 64)).astype(np.float32)
    save_latents(tmp_path / "o.npz", LatentFile(z, 16000, 25.0, "other-model", "0" * 64, 6400, default_space()))
    assert_bad_input(run("decode", tmp_path / "o.npz", "-o", tmp_path / "o.wav"))
    assert not (tmp_path / "o.wav").exists()
    p = run("decode", tmp_path / "o.npz", "-o", tmp_path / "o.wav", "--force")
    assert p.returncode == 0, p.stderr


def test_output_never_overwrites_the_input(tmp_path, speech_16k):
    sf.write(tmp_path / "in.wav", speech_16k, 16000)
    before = (tmp_path / "in.wav").read_bytes()
    assert_bad_input(run("reconstruct", tmp_path / "in.wav", "-o", tmp_path / "in.wav"))
    assert (tmp_path / "in.wav").read_bytes() == before


def test_malformed_latent_file_is_bad_input(tmp_path):
    (tmp_path / "bad.npz").write_bytes(b"PK\x03\x04 garbage")
    assert_bad_input(run("decode", tmp_path / "bad.npz", "-o", tmp_path / "x.wav"))


def test_info_prints_json():
    import json
    p = run("info")
    assert p.returncode == 0, p.stderr
    info = json.loads(p.stdout)
    assert info["latent_dim"] == 64 and info["streaming"] is True


def test_runtime_without_artifact_is_bad_input(tmp_path, speech_16k):
    sf.write(tmp_path / "in.wav", speech_16k, 16000)
    assert_bad_input(run("encode", tmp_path / "in.wav", "-o", tmp_path / "z.npz", "--runtime", "onnx"))
    assert_bad_input(run("encode", tmp_path / "in.wav", "-o", tmp_path / "z.npz", "--runtime", "onnx",
                         "--artifact", tmp_path / "no-such-export"))


def test_decode_refuses_latents_of_another_latent_space_even_when_forced(tmp_path):
    from f3edge.latents import LatentFile, load_latents, save_latents
    z = np.random.default_rng(0).standard_normal((10, 64)).astype(np.float32)
    other = "f3-v1" if default_space() != "f3-v1" else "f3-v2"
    save_latents(tmp_path / "other.npz", LatentFile(z, 16000, 25.0, "f3edge-teacher-x", "0" * 64, 6400, other))
    assert load_latents(tmp_path / "other.npz").latent_space == other
    for extra in ([], ["--force"]):
        p = run("decode", tmp_path / "other.npz", "-o", tmp_path / "o.wav", *extra)
        assert_bad_input(p)
        assert "latent space" in p.stderr and not (tmp_path / "o.wav").exists()
