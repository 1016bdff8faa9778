"""Exports of the bundled default student: each target in its real runtime, with the parity gate.

LiteRT artifacts are loaded in a subprocess: a native abort there must fail a test, not kill the run.
"""
import json
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest

from f3edge.metrics import snr_db
from f3edge.runtimes import ManifestError
from f3edge.runtimes import open as open_artifact


@pytest.fixture(scope="module")
def parity_clip(speech_16k):
    return [speech_16k]


@pytest.fixture(scope="module")
def out_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("exports")


def export(tok, target, precision, out_dir, clips):
    from f3edge.export.pipeline import export_target
    return export_target(tok, target, precision, out_dir, clips, log=lambda m: None)


def test_default_int8_calibration_is_several_bundled_voices_and_never_the_parity_clip():
    from f3edge.quantization.calibration import DEFAULT_CALIBRATION
    from f3edge.samples_path import sample
    assert len(DEFAULT_CALIBRATION) >= 4 and all(p.is_file() for p in DEFAULT_CALIBRATION)
    assert sample() not in DEFAULT_CALIBRATION   # the parity clip (arctic_a0007) verifies, never calibrates


@pytest.mark.parametrize("target,precision", [("onnx", "fp32"), ("onnx", "int8"), ("executorch", "fp32"),
                                              ("executorch", "int8")])
def test_export_runs_in_its_runtime_and_meets_parity(tok, out_dir, parity_clip, speech_16k, target, precision):
    path, report = export(tok, target, precision, out_dir, parity_clip)
    assert report.passed
    manifest = json.loads((path / "manifest.json").read_text())
    assert manifest["checkpoint_sha256"] == tok.sha256 and manifest["precision"] == precision
    assert manifest["parity"]["latent_snr_db"] >= (60 if precision == "fp32" else 25)
    # independent of the export's own report: stream through the runtime with odd push sizes
    art = open_artifact(path)
    with art.encoder() as enc:
        z = np.concatenate([enc.push(speech_16k[i:i + 1111]) for i in range(0, len(speech_16k), 1111)]
                           + [enc.flush()])
    ref = tok.encode(speech_16k)
    snr = 10 * np.log10(np.sum(ref ** 2) / np.sum((ref - z) ** 2))
    assert snr >= (60 if precision == "fp32" else 25)
    if target == "executorch":
        for part in ("encoder", "decoder"):
            assert manifest[part]["delegation"]["non_delegated_ops"] == {}, manifest[part]["delegation"]
        with pytest.raises(ManifestError, match="no full-sequence models"):
            art.full_sequence()
    if target == "onnx":   # offline models with a dynamic frame count, any length
        full = art.full_sequence()
        x = speech_16k[: 16000 * 3 + 123]
        z_full, z_ref = full.encode(x), tok.encode(x)
        assert z_full.shape == z_ref.shape
        assert 10 * np.log10(np.sum(z_ref ** 2) / np.sum((z_ref - z_full) ** 2)) >= (60 if precision == "fp32" else 25)
        assert full.decode(z_ref, num_samples=len(x)).shape == x.shape
        assert manifest["full_sequence"]["parity"]["passed"]


@pytest.mark.parametrize("target", ["onnx", "executorch"])
def test_int8_artifacts_are_at_most_30_percent_of_fp32(tok, out_dir, target):
    """The default student computes its DFT with the factorized transform (a few thousand float constants
    that every int8 recipe leaves alone), so the int8 artifact is the int8 trunk plus a little."""
    assert tok.cfg.net.dft == "fft"
    f = json.loads((out_dir / f"{target}-fp32" / "manifest.json").read_text())["sizes_bytes"]
    q = json.loads((out_dir / f"{target}-int8" / "manifest.json").read_text())["sizes_bytes"]
    assert sum(q.values()) <= 0.30 * sum(f.values()), (f, q)
    if target == "onnx":   # compacted: no exporter debug metadata, no shape annotations
        import onnx
        model = onnx.load(str(out_dir / "onnx-int8" / "encoder.onnx"))
        assert not model.graph.value_info and not any(n.metadata_props for n in model.graph.node)


@pytest.mark.parametrize("part", ["encoder", "decoder"])
def test_onnx_int8_steps_give_the_exact_integer_result_on_this_cpu(out_dir, part):
    """ONNX Runtime's fused int8 kernels compute what the QDQ graph says, whatever the CPU family: on real
    streaming inputs (the golden trace's), the optimized session equals the same file run unfused (dequantize,
    float op, quantize) to >= 80 dB. U8S8 weights broke this on AVX2-only x86 CPUs (saturating 16-bit pair
    sums without VNNI: 22 dB on an AMD EPYC), so accuracy depended on the CPU the app ran on."""
    import onnxruntime as ort
    from pathlib import Path
    if not (out_dir / "onnx-int8" / "manifest.json").exists():
        pytest.skip("onnx-int8 was not exported in this run")
    golden = Path(__file__).parent / "golden" / "onnx-int8"
    spec = json.loads((out_dir / "onnx-int8" / "manifest.json").read_text())[part]
    calls = json.loads((golden / "trace.json").read_text())[f"{part}_calls"]
    sizes = [int(np.prod(t["shape"])) for t in spec["inputs"] + spec["outputs"]]
    flat = np.fromfile(golden / f"{part}_steps.f32", "<f4").reshape(calls, -1)
    model = str(out_dir / "onnx-int8" / spec["file"])
    unfused = ort.SessionOptions()
    unfused.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    fused = ort.InferenceSession(model, providers=["CPUExecutionProvider"])
    plain = ort.InferenceSession(model, unfused, providers=["CPUExecutionProvider"])
    worst = np.inf
    for call in flat[1:]:   # past the all-zero first state
        pieces = np.split(call, np.cumsum(sizes)[:-1])
        feed = {t["name"]: p.reshape(t["shape"]) for p, t in zip(pieces, spec["inputs"])}
        for got, want in zip(fused.run(None, feed), plain.run(None, feed)):
            err = np.sum((np.asarray(got, np.float64) - want) ** 2)
            if err > 0:
                worst = min(worst, 10 * np.log10(np.sum(np.square(want, dtype=np.float64)) / err))
    assert worst >= 80.0, f"{part}: the fused int8 kernels are {worst:.1f} dB from the QDQ graph on this CPU"


@pytest.mark.parametrize("precision", ["fp32", "int8"])
def test_tflite_export_in_a_subprocess(out_dir, precision):
    pytest.importorskip("litert_torch")
    code = ("import sys, f3edge; from pathlib import Path; from f3edge.audio import read_audio;"
            "from f3edge.export.pipeline import export_target;"
            "tok = f3edge.load(); clips = [read_audio(str(Path(f3edge.__file__).parent / 'samples' / 'arctic_a0007.flac'), 16000)];"
            f"p, r = export_target(tok, 'tflite', '{precision}', Path(r'{out_dir}'), clips, log=print);"
            "sys.exit(0 if r.passed else 3)")
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600)
    assert p.returncode == 0, p.stderr[-3000:]
    manifest = json.loads((out_dir / f"tflite-{precision}" / "manifest.json").read_text())
    assert manifest["parity"]["passed"] and (out_dir / f"tflite-{precision}" / "encoder.tflite").exists()
    if precision == "int8":   # dynamic-range int8 trunk, float DFT: under 30 % of fp32
        fp32 = json.loads((out_dir / "tflite-fp32" / "manifest.json").read_text())["sizes_bytes"]
        assert sum(manifest["sizes_bytes"].values()) <= 0.30 * sum(fp32.values())


def test_coreml_converts_with_matching_spec_and_simulated_fp16_parity(tok, out_dir, parity_clip):
    pytest.importorskip("coremltools")
    path, report = export(tok, "coreml", "fp32", out_dir, parity_clip)
    manifest = json.loads((path / "manifest.json").read_text())
    assert path.name == "coreml-fp16" and manifest["encoder"]["spec"]["io_matches_manifest"]
    assert report.latent_snr_db >= 35
    # a .mlpackage is a folder: runtimes.open() verifies it by its folder digest like any model file
    art = open_artifact(path)
    assert art.manifest.parts["encoder"]["file"].endswith(".mlpackage") and (path / art.manifest.parts["encoder"]["file"]).is_dir()


def test_coreml_w8_simulation_reads_every_int8_weight_back_from_the_package(tok, out_dir, parity_clip):
    """The W8 parity is simulated with the weights the package really holds: each one is matched to its
    PyTorch weight, and the factorized DFT stays fp16 (below the compression threshold)."""
    pytest.importorskip("coremltools")
    from f3edge.export.coreml import package_weights
    path, report = export(tok, "coreml", "int8", out_dir, parity_clip)
    manifest = json.loads((path / "manifest.json").read_text())
    assert report.passed and report.latent_snr_db >= 30
    for part in ("encoder", "decoder"):
        matched, stored = manifest["w8_weights_materialized"][part]
        assert stored >= 10 and matched == stored
        assert all(w.size > 2048 for w in package_weights(path / f"{part}.mlpackage"))


def test_wrong_state_shape_in_manifest_is_a_clear_error(out_dir, tmp_path):
    bad = tmp_path / "bad"
    shutil.copytree(out_dir / "onnx-fp32", bad)
    m = json.loads((bad / "manifest.json").read_text())
    m["encoder"]["inputs"][1]["shape"][-1] += 1
    m["encoder"]["outputs"][1]["shape"][-1] += 1
    (bad / "manifest.json").write_text(json.dumps(m))
    with pytest.raises(ManifestError, match="state_0"):
        open_artifact(bad).runner("encoder")


def test_cli_encode_with_runtime_reports_bad_artifacts_in_one_line(out_dir, tmp_path):
    from f3edge.samples_path import sample
    bad = tmp_path / "missing"
    shutil.copytree(out_dir / "onnx-fp32", bad)
    (bad / "decoder.onnx").unlink()
    p = subprocess.run([sys.executable, "-m", "f3edge", "encode", str(sample()), "-o", str(tmp_path / "z.npz"),
                        "--runtime", "onnx", "--artifact", str(bad)], capture_output=True, text=True, timeout=300)
    assert p.returncode == 2 and "decoder.onnx" in p.stderr and "Traceback" not in p.stderr
    assert not (tmp_path / "z.npz").exists()


def test_cli_encode_through_onnx_matches_pytorch(out_dir, tmp_path, tok, speech_16k):
    from f3edge.samples_path import sample
    p = subprocess.run([sys.executable, "-m", "f3edge", "encode", str(sample()), "-o", str(tmp_path / "z.npz"),
                        "--runtime", "onnx", "--artifact", str(out_dir / "onnx-fp32")],
                       capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr
    z = np.load(tmp_path / "z.npz")["latents"]
    assert np.abs(z - tok.encode(speech_16k)).max() < 1e-3


@pytest.mark.skipif(sys.platform == "darwin", reason="on macOS the W8A8 path really runs")
def test_coreml_w8a8_off_macos_is_one_clear_line_and_leaves_nothing(tmp_path):
    pytest.importorskip("coremltools")
    p = subprocess.run([sys.executable, "-m", "f3edge", "export", "--target", "coreml", "--precision", "w8a8",
                        "-o", str(tmp_path / "out")], capture_output=True, text=True, timeout=600)
    assert p.returncode == 2, p.stderr[-2000:]
    assert "macOS" in p.stderr and "Traceback" not in p.stderr and len(p.stderr.strip().splitlines()) == 1
    assert not list((tmp_path / "out").glob("coreml-*"))


@pytest.mark.parametrize("name", ["onnx-int8", "executorch-int8", "tflite-int8"])
def test_one_artifact_shared_by_four_threads_gives_the_single_thread_latents(out_dir, speech_16k, name):
    """Each thread streams its own session over the one opened artifact (shared runners)."""
    from concurrent.futures import ThreadPoolExecutor
    if not (out_dir / name / "manifest.json").exists():
        pytest.skip(f"{name} was not exported in this run")
    art = open_artifact(out_dir / name, threads=1)
    clips = [speech_16k[i * 4000: i * 4000 + 24000] for i in range(4)]
    alone = [art.encode(c) for c in clips]
    with ThreadPoolExecutor(4) as pool:
        for _ in range(3):
            shared = list(pool.map(art.encode, clips))
            for a, b in zip(alone, shared):
                np.testing.assert_array_equal(a, b)


def _resealed(folder, mutate_file, rng):
    """A model file mutated and the manifest's checksum rewritten to match: what a careless or hostile
    re-packager ships, which only the loader itself can refuse."""
    from test_bad_inputs import _mutate
    path = folder / mutate_file
    path.write_bytes(_mutate(path.read_bytes(), rng))
    _reseal(folder)


def _reseal(folder):
    """Rewrite the manifest's checksums to match the files (unlike `Manifest.read`, trusting them)."""
    from f3edge.runtimes.manifest import Manifest
    m = Manifest.from_dict(json.loads((folder / "manifest.json").read_text()))
    m.seal(folder).write(folder)


def test_fuzzed_artifacts_through_the_cli_exit_0_or_2_only(out_dir, tmp_path):
    """Mutated manifests, mutated model files (refused by checksum) and mutated files with a re-sealed manifest
    (refused by the loader; ExecuTorch would abort in-process on some: the preflight child takes the abort)."""
    from test_bad_inputs import FUZZ_DRIVER, _mutate
    from f3edge.samples_path import sample
    for name in ("onnx-int8", "executorch-int8"):
        if not (out_dir / name / "manifest.json").exists():
            pytest.skip(f"{name} was not exported in this run")
    rng = np.random.default_rng(7)
    argvs, must_be_refused_by_checksum = [], []
    for name, runtime, model, n_manifest, n_plain, n_resealed in (("onnx-int8", "onnx", "encoder.onnx", 40, 5, 10),
                                                                   ("executorch-int8", "executorch", "encoder.pte", 20, 5, 20)):
        for i in range(n_manifest + n_plain + n_resealed):
            d = tmp_path / f"{name}{i}"
            shutil.copytree(out_dir / name, d)
            if i < n_manifest:
                (d / "manifest.json").write_bytes(_mutate((d / "manifest.json").read_bytes(), rng))
            elif i < n_manifest + n_plain:
                original = (d / model).read_bytes()
                (d / model).write_bytes(_mutate(original, rng))
                if (d / model).read_bytes() != original:
                    must_be_refused_by_checksum.append(len(argvs))
            else:
                _resealed(d, model, rng)
            argvs.append(["encode", str(sample()), "-o", str(tmp_path / f"z{name}{i}.npz"), "--runtime", runtime,
                          "--artifact", str(d)])
    env = dict(os.environ, F3EDGE_CACHE_DIR=str(tmp_path / "cache"))
    p = subprocess.run([sys.executable, "-c", FUZZ_DRIVER, json.dumps(argvs)], capture_output=True, text=True,
                       timeout=900, env=env)
    assert p.returncode == 0, f"the driver process died ({p.returncode}): {p.stderr[-500:]}"
    codes = json.loads(p.stdout.strip().splitlines()[-1])
    bad = [(argvs[i], c, e) for i, (c, e) in enumerate(codes) if c not in (0, 2) or "Traceback" in e]
    assert not bad, bad[:3]
    assert len(must_be_refused_by_checksum) >= 8
    for i in must_be_refused_by_checksum:
        assert codes[i][0] == 2 and "sha256/size do not match" in codes[i][1], codes[i]


BARE_EXECUTORCH_LOAD = ("import json, sys; from pathlib import Path; import numpy as np;"
                        "from f3edge.runtimes.executorch_runner import ExecuTorchRunner;"
                        "d = Path(sys.argv[1]); m = json.loads((d / 'manifest.json').read_text());"
                        "ExecuTorchRunner(d / 'encoder.pte', m['encoder'])")


def test_a_resealed_pte_that_aborts_executorchs_loader_is_one_line_and_exit_2(out_dir, tmp_path):
    """Junk inserted where a .pte's segments begin shifts the XNNPACK payload: the header and a re-sealed
    checksum pass, and ExecuTorch's loader aborts the process (SIGABRT). The preflight child takes the abort."""
    import struct
    from f3edge.samples_path import sample
    if not (out_dir / "executorch-int8" / "manifest.json").exists():
        pytest.skip("executorch-int8 was not exported in this run")
    bad = tmp_path / "bad"
    shutil.copytree(out_dir / "executorch-int8", bad)
    data = (bad / "encoder.pte").read_bytes()
    magic, _, _, segment_base, _ = struct.unpack_from("<4sIQQQ", data, 8)   # the extended header "eh00"
    assert magic == b"eh00"
    junk = np.random.default_rng(0).bytes(58)
    (bad / "encoder.pte").write_bytes(data[:segment_base] + junk + data[segment_base:])
    _reseal(bad)
    bare = subprocess.run([sys.executable, "-c", BARE_EXECUTORCH_LOAD, str(bad)], capture_output=True, timeout=300)
    if bare.returncode >= 0:
        pytest.skip(f"this ExecuTorch no longer aborts on the case (exit {bare.returncode}): re-derive it")
    env = dict(os.environ, F3EDGE_CACHE_DIR=str(tmp_path / "cache"))
    p = subprocess.run([sys.executable, "-m", "f3edge", "encode", str(sample()), "-o", str(tmp_path / "z.npz"),
                        "--runtime", "executorch", "--artifact", str(bad)], capture_output=True, text=True,
                       timeout=300, env=env)
    assert p.returncode == 2 and "crashed while loading" in p.stderr, p.stderr[-1000:]
    assert len(p.stderr.strip().splitlines()) == 1 and not (tmp_path / "z.npz").exists()
    assert not list((tmp_path / "cache").rglob("*.executorch")), "a crashing file must not be remembered as good"


@pytest.mark.parametrize("name", ["onnx-int8", "executorch-int8"])
def test_golden_trace_outputs_are_what_the_runtime_gives_on_a_fresh_export(out_dir, name):
    """The traces the mobile cores replay hold real runtime outputs: re-running this session's export on
    every recorded input gives the recorded outputs, to within 25 dB SNR over each part's whole trace (bit-exact
    on the CPU that recorded them; int8 kernels of other CPU families round differently: the Intel-recorded
    ExecuTorch trace replayed on an AMD EPYC, 2026-12-06, was 33.7 dB off at its worst encoder step and 17.1 dB at
    its worst decoder step, a near-silent one, and 54.5 / 35.7 dB over the whole trace, which is what is checked;
    a trace of another model or input is near 0 dB)."""
    from pathlib import Path
    golden = Path(__file__).parent / "golden" / name
    if not (out_dir / name / "manifest.json").exists():
        pytest.skip(f"{name} was not exported in this run")
    art = open_artifact(out_dir / name, threads=1)
    index = json.loads((golden / "trace.json").read_text())
    for part in ("encoder", "decoder"):
        spec = art.manifest.parts[part]
        sizes = [int(np.prod(t["shape"])) for t in spec["inputs"] + spec["outputs"]]
        flat = np.fromfile(golden / f"{part}_steps.f32", "<f4").reshape(index[f"{part}_calls"], -1)
        runner = art.runner(part)
        recorded, fresh = [], []   # every call's outputs, as the trace holds them and as the runtime gives them
        for call in flat:
            pieces = np.split(call, np.cumsum(sizes)[:-1])
            ins = [p.reshape(t["shape"]) for p, t in zip(pieces, spec["inputs"])]
            recorded += pieces[len(ins):]
            fresh += [np.asarray(o).reshape(-1) for o in runner.run(ins)]
        snr = snr_db(np.concatenate(recorded), np.concatenate(fresh))
        assert snr >= 25.0, f"{part}: a fresh export's step outputs are {snr:.1f} dB from the trace's"


def test_recording_a_trace_from_a_fresh_export_reproduces_the_committed_one(out_dir, tmp_path):
    """`python -m f3edge.runtimes.golden_trace` (how tests/golden is regenerated) records the same pushes, calls
    and, to within 35 dB, the same latents and audio from this session's onnx-int8 export."""
    from pathlib import Path
    from f3edge.runtimes.golden_trace import main as record_trace
    if not (out_dir / "onnx-int8" / "manifest.json").exists():
        pytest.skip("onnx-int8 was not exported in this run")
    golden = Path(__file__).parent / "golden" / "onnx-int8"
    assert record_trace(["--artifact", str(out_dir / "onnx-int8"), "--out", str(tmp_path)]) == 0
    assert json.loads((tmp_path / "trace.json").read_text()) == json.loads((golden / "trace.json").read_text())
    for name in ("audio.f32", "latents.f32", "decoded.f32"):
        want, got = np.fromfile(golden / name, "<f4"), np.fromfile(tmp_path / name, "<f4")
        err = np.sum((got.astype(np.float64) - want) ** 2)
        assert err == 0 or 10 * np.log10(np.sum(np.square(want, dtype=np.float64)) / err) >= 35.0, name
