"""The bad-input corpus: each case is exit 2 with one line on stderr, no output left, the input untouched.
Then a fixed-seed fuzz of a WAV, an .npz, a manifest and a model config through the CLI: exit 0 or 2 only."""
import json
import os
import shutil
import struct
import subprocess
import sys
import textwrap

import numpy as np
import pytest
import soundfile as sf

from test_cli import assert_bad_input, run


def _wav_header(sr: int, n_bytes: int) -> bytes:
    return (b"RIFF" + struct.pack("<I", 36 + n_bytes) + b"WAVEfmt " + struct.pack("<IHHIIHH", 16, 1, 1, sr, 2 * sr, 2, 16)
            + b"data" + struct.pack("<I", n_bytes))


def _npz(path, **over):
    d = dict(latents=np.zeros((10, 64), np.float32), sample_rate=np.int64(16000), frame_rate=np.float64(25.0),
             model_id=np.str_("x"), model_sha256=np.str_("0" * 64), num_samples=np.int64(6400))
    d.update(over)
    np.savez(path, **d)


def _audio_cases(tmp, speech):
    t = np.arange(16000) / 16000
    sf.write(tmp / "huge.wav", (1e30 * np.sin(2 * np.pi * 200 * t)).astype(np.float32), 16000, subtype="FLOAT")
    (tmp / "onehz.wav").write_bytes(_wav_header(1, 4000) + bytes(4000))
    (tmp / "text.wav").write_text("not audio at all")
    return ["huge.wav", "onehz.wav", "text.wav"]


def _latent_cases(tmp):
    _npz(tmp / "f32max.npz", latents=np.full((10, 64), 3e38, np.float32))
    _npz(tmp / "strings.npz", latents=np.array([["a"] * 64] * 3))
    _npz(tmp / "array_meta.npz", sample_rate=np.array([1, 2]))
    (tmp / "text.npz").write_text("hello")
    np.save(tmp / "plain.npy", np.zeros((3, 64), np.float32))
    os.replace(tmp / "plain.npy", tmp / "plain.npz")
    # a small file that declares a huge array (zeros compress to almost nothing)
    np.savez_compressed(tmp / "bomb.npz", latents=np.zeros((2_000_000, 64), np.float32), sample_rate=np.int64(16000),
                        frame_rate=np.float64(25.0), model_id=np.str_("x"), model_sha256=np.str_("0" * 64))
    _npz(tmp / "encrypted.npz")
    raw = bytearray((tmp / "encrypted.npz").read_bytes())
    central = raw.index(b"PK\x01\x02")
    raw[central + 8] |= 1   # general-purpose flag bit 0 of the first central-directory entry: "encrypted"
    (tmp / "encrypted.npz").write_bytes(bytes(raw))
    return ["f32max.npz", "strings.npz", "array_meta.npz", "text.npz", "plain.npz", "bomb.npz", "encrypted.npz"]


def test_every_bad_audio_and_latent_file_is_exit_2_one_line_nothing_written(tmp_path, speech_16k, monkeypatch):
    monkeypatch.setenv("F3EDGE_MAX_SECONDS", "3600")
    for name in _audio_cases(tmp_path, speech_16k):
        before = (tmp_path / name).read_bytes()
        for cmd in (["encode", tmp_path / name, "-o", tmp_path / "o.npz"],
                    ["reconstruct", tmp_path / name, "-o", tmp_path / "o.wav", "--latents", tmp_path / "o.npz"]):
            assert_bad_input(run(*cmd))
            assert not (tmp_path / "o.npz").exists() and not (tmp_path / "o.wav").exists(), name
        assert (tmp_path / name).read_bytes() == before
    for name in _latent_cases(tmp_path):
        p = run("decode", tmp_path / name, "-o", tmp_path / "o.wav", "--force")
        assert_bad_input(p)
        assert "allow_pickle" not in p.stderr and not (tmp_path / "o.wav").exists(), name


def test_cli_usage_mistakes_are_exit_2(tmp_path, speech_16k):
    sf.write(tmp_path / "in.wav", speech_16k, 16000)
    assert_bad_input(run("reconstruct", tmp_path / "in.wav", "-o", tmp_path / "x", "--latents", tmp_path / "x"))
    assert_bad_input(run("encode", tmp_path / "in.wav", "-o", tmp_path / "z.npz", "--artifact", tmp_path))
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    try:
        if os.access(ro, os.W_OK):
            pytest.skip("running as a user who can write anywhere (root): read-only folder not testable")
        assert_bad_input(run("encode", tmp_path / "in.wav", "-o", ro / "z.npz"))
    finally:
        ro.chmod(0o700)


@pytest.mark.parametrize("edit", [
    {"signal": {"latent_hop": 0}}, {"signal": {"latent_dim": "64"}}, {"kind": "foo"}, {"lookahead": 5},
    {"net": {"dft": "bogus"}}, {"net": {"fine_channels": -1}}, {"net": {"fine_channels": 10_000_000}},
])
def test_bad_checkpoint_config_values_are_exit_2(tmp_path, edit):
    from f3edge.registry import resolve_checkpoint_path
    src = resolve_checkpoint_path("f3edge-student-xs-v2")
    ck = tmp_path / "ck"
    shutil.copytree(src, ck)
    cfg = json.loads((ck / "config.json").read_text())
    for k, v in edit.items():
        if isinstance(v, dict):
            cfg[k].update(v)
        else:
            cfg[k] = v
    (ck / "config.json").write_text(json.dumps(cfg))
    assert_bad_input(run("info", "--model", ck))


def test_meta_json_that_is_not_an_object_is_exit_2(tmp_path):
    from f3edge.registry import resolve_checkpoint_path
    ck = tmp_path / "ck"
    shutil.copytree(resolve_checkpoint_path("f3edge-student-xs-v2"), ck)
    (ck / "meta.json").write_text("[]")
    assert_bad_input(run("info", "--model", ck))


def test_training_data_problems_are_named_or_exit_2(tmp_path, speech_16k):
    model = {"kind": "student", "name": "t", "lookahead": 1,
             "net": {"fine_channels": 8, "coarse_channels": 8, "fine_blocks": 1, "coarse_blocks": 1, "kernel": 3}}
    (tmp_path / "m.json").write_text(json.dumps(model))
    base = {"model": str(tmp_path / "m.json"), "steps": 3, "batch_size": 2, "segment_seconds": 0.32,
            "warmup_steps": 1, "ckpt_every": 1, "log_every": 1, "threads": 1, "keep_speech_only": False}
    good = tmp_path / "good"
    good.mkdir()
    sf.write(good / "a.wav", speech_16k[:24000], 16000)
    sf.write(good / "b.flac", speech_16k[:48000], 16000)
    raw = (good / "b.flac").read_bytes()
    (good / "b.flac").write_bytes(raw[: len(raw) // 3])          # truncated FLAC
    (tmp_path / "t.json").write_text(json.dumps(dict(base, data=str(good))))
    p = run("train", "--config", tmp_path / "t.json", "--out", tmp_path / "run")
    assert p.returncode == 0, p.stderr
    assert "b.flac" in p.stderr and "skipping" in p.stderr

    nan = tmp_path / "nan"
    nan.mkdir()
    sf.write(nan / "n.wav", np.full(24000, np.nan, np.float32), 16000, subtype="FLOAT")
    (tmp_path / "n.json").write_text(json.dumps(dict(base, data=str(nan))))
    p = run("train", "--config", tmp_path / "n.json", "--out", tmp_path / "nanrun")
    assert p.returncode == 2 and "Traceback" not in p.stderr
    assert "n.wav" in p.stderr and "no readable training clip" in p.stderr.strip().splitlines()[-1]
    assert not (tmp_path / "nanrun" / "model").exists()

    for missing in (tmp_path / "nope", tmp_path / "empty"):
        (tmp_path / "empty").mkdir(exist_ok=True)
        (tmp_path / "x.json").write_text(json.dumps(dict(base, data=str(missing))))
        assert_bad_input(run("train", "--config", tmp_path / "x.json", "--out", tmp_path / "xrun"))


FUZZ_DRIVER = textwrap.dedent("""
    import contextlib, io, json, sys
    from f3edge.cli import main
    cases = json.loads(sys.argv[1])
    codes = []
    for argv in cases:
        err = io.StringIO()
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
            try:
                code = main(argv)
            except SystemExit as e:
                code = e.code
        codes.append([code, err.getvalue()[-300:]])
    print(json.dumps(codes))
""")


def _mutate(data: bytes, rng: np.random.Generator) -> bytes:
    b = bytearray(data)
    kind = rng.integers(0, 4)
    if kind == 0:       # flip bytes
        for i in rng.integers(0, len(b), size=int(rng.integers(1, 20))):
            b[i] ^= int(rng.integers(1, 256))
    elif kind == 1:     # truncate
        b = b[: int(rng.integers(0, len(b)))]
    elif kind == 2:     # overwrite a header field with an extreme value
        i = int(rng.integers(0, min(64, len(b) - 4)))
        b[i:i + 4] = struct.pack("<I", int(rng.choice([0, 1, 0xFFFFFFFF, 0x7FFFFFFF])))
    else:               # insert junk
        i = int(rng.integers(0, len(b)))
        b[i:i] = rng.bytes(int(rng.integers(1, 64)))
    return bytes(b)


def test_fuzzed_inputs_through_the_cli_exit_0_or_2_only(tmp_path, speech_16k):
    """~200 mutations of a WAV, a latents file, a manifest and a model config, each through the CLI in one
    driver process per kind (an abort or crash shows up as that process dying)."""
    rng = np.random.default_rng(1234)
    sf.write(tmp_path / "seed.wav", speech_16k[:8000], 16000)
    _npz(tmp_path / "seed.npz", latents=np.random.default_rng(0).standard_normal((5, 64)).astype(np.float32))
    from f3edge.registry import resolve_checkpoint_path
    shutil.copytree(resolve_checkpoint_path("f3edge-student-xs-v2"), tmp_path / "ck")
    seeds = {"wav": (tmp_path / "seed.wav").read_bytes(), "npz": (tmp_path / "seed.npz").read_bytes(),
             "cfg": (tmp_path / "ck" / "config.json").read_bytes()}
    cases = {k: [] for k in seeds}
    for kind, data in seeds.items():
        for i in range(60 if kind != "cfg" else 40):
            if kind == "cfg":
                d = tmp_path / f"ck{i}"
                shutil.copytree(tmp_path / "ck", d)
                (d / "config.json").write_bytes(_mutate(data, rng))
                cases[kind].append(["info", "--model", str(d)])
                continue
            f = tmp_path / f"m{i}.{kind}"
            f.write_bytes(_mutate(data, rng))
            if kind == "wav":
                cases[kind].append(["reconstruct", str(f), "-o", str(tmp_path / f"o{i}.wav")])
            else:
                cases[kind].append(["decode", str(f), "-o", str(tmp_path / f"o{i}.wav"), "--force"])
    for kind, argvs in cases.items():
        p = subprocess.run([sys.executable, "-c", FUZZ_DRIVER, json.dumps(argvs)], capture_output=True, text=True,
                           timeout=600)
        assert p.returncode == 0, f"{kind}: the driver process died ({p.returncode}): {p.stderr[-500:]}"
        codes = json.loads(p.stdout.strip().splitlines()[-1])
        bad = [(argvs[i], c, e) for i, (c, e) in enumerate(codes) if c not in (0, 2) or "Traceback" in e]
        assert not bad, bad[:3]
