"""Manifest validation and the shared streaming sessions, independent of any runtime."""
import json

import numpy as np
import pytest

from f3edge.runtimes import ManifestError, read_manifest
from f3edge.runtimes.session import Artifact
from f3edge.runtimes.torch_runner import TorchRunner


def _manifest(tok):
    from f3edge.export.pipeline import build_manifest
    from f3edge.export.steps import DecoderStep, EncoderStep
    steps = {"encoder": EncoderStep(tok.model), "decoder": DecoderStep(tok.model)}
    parts = {p: {"file": f"{p}.onnx"} for p in steps}
    return build_manifest(tok, "onnx", "onnxruntime", "fp32", parts, steps), steps


def test_torch_runner_behind_the_session_equals_the_tokenizer(tok, speech_16k):
    manifest, steps = _manifest(tok)
    art = Artifact(None, manifest, lambda _p, _m, part: TorchRunner(steps[part]))
    x = speech_16k[:20000]
    z = art.encode(x)
    assert np.abs(z - tok.encode(x)).max() < 1e-4
    y = art.decode(z, len(x))
    assert np.abs(y - tok.decode(tok.encode(x), len(x))).max() < 1e-4


@pytest.mark.parametrize("breakage,message", [
    (lambda d: d.__setitem__("format_version", 99), "format_version"),
    (lambda d: d.pop("latent_dim"), "missing keys"),
    (lambda d: d["encoder"]["inputs"][0].__setitem__("shape", [1, -1, 640]), "bad shape"),
    (lambda d: d["decoder"]["outputs"].pop(), "one output per input"),
])
def test_malformed_manifests_are_refused_with_a_reason(tmp_path, tok, breakage, message):
    manifest, _ = _manifest(tok)
    for part in ("encoder", "decoder"):
        (tmp_path / f"{part}.onnx").write_bytes(b"x")
    manifest = manifest.seal(tmp_path).to_dict()
    breakage(manifest)
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(ManifestError, match=message):
        read_manifest(tmp_path)


def test_not_json_and_missing_files_are_refused(tmp_path, tok):
    (tmp_path / "manifest.json").write_text("{not json")
    with pytest.raises(ManifestError, match="malformed JSON"):
        read_manifest(tmp_path)
    manifest, _ = _manifest(tok)
    (tmp_path / "manifest.json").write_text(json.dumps(manifest.to_dict()))
    with pytest.raises(ManifestError, match="artifact file missing"):
        read_manifest(tmp_path)
    with pytest.raises(ManifestError, match="no such artifact folder"):
        read_manifest(tmp_path / "nope")


def _sealed_folder(tmp_path, tok) -> dict:
    manifest, _ = _manifest(tok)
    for part in ("encoder", "decoder"):
        (tmp_path / f"{part}.onnx").write_bytes(part.encode() * 100)
    manifest.seal(tmp_path).write(tmp_path)
    return manifest.to_dict()


@pytest.mark.parametrize("breakage,message", [
    (lambda d: d["encoder"].__setitem__("file", "../../etc/passwd"), "plain file name"),
    (lambda d: d["encoder"].__setitem__("file", "/etc/passwd"), "plain file name"),
    (lambda d: d.__setitem__("lookahead_frames", 10_000_000), "lookahead_frames"),
    (lambda d: d.__setitem__("synthesis_delay_samples", -5), "synthesis_delay_samples"),
    (lambda d: d.__setitem__("sample_rate", "16000"), "sample_rate"),
    (lambda d: d.__setitem__("latent_dim", None), "latent_dim"),
    (lambda d: d.__setitem__("hop", 0), "hop"),
    (lambda d: d["encoder"]["inputs"][1].__setitem__("shape", [1, 100000, 100000]), "bad shape|implausibly"),
    (lambda d: d["decoder"].pop("sha256"), "no sha256"),
])
def test_manifest_values_paths_and_checksums_are_validated(tmp_path, tok, breakage, message):
    manifest = _sealed_folder(tmp_path, tok)
    assert read_manifest(tmp_path).latent_space == tok.cfg.latent_space
    breakage(manifest)
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(ManifestError, match=message):
        read_manifest(tmp_path)


def test_a_tampered_model_file_is_refused_before_any_runtime_loads_it(tmp_path, tok):
    _sealed_folder(tmp_path, tok)
    raw = bytearray((tmp_path / "encoder.onnx").read_bytes())
    raw[10] ^= 1
    (tmp_path / "encoder.onnx").write_bytes(bytes(raw))
    with pytest.raises(ManifestError, match="corrupted or replaced"):
        read_manifest(tmp_path)


def test_a_folder_artifact_such_as_an_mlpackage_is_accepted_and_checksummed(tmp_path, tok):
    manifest, _ = _manifest(tok)
    for part in ("encoder", "decoder"):
        pkg = tmp_path / f"{part}.mlpackage" / "Data"
        pkg.mkdir(parents=True)
        (pkg / "model.mlmodel").write_bytes(b"spec" + part.encode())
        manifest.parts[part]["file"] = f"{part}.mlpackage"
    manifest.seal(tmp_path).write(tmp_path)
    assert read_manifest(tmp_path).parts["encoder"]["file"] == "encoder.mlpackage"
    (tmp_path / "decoder.mlpackage" / "Data" / "model.mlmodel").write_bytes(b"other")
    with pytest.raises(ManifestError, match="corrupted or replaced"):
        read_manifest(tmp_path)


def test_one_call_per_push_and_one_call_per_frame_give_the_same_stream(tok, speech_16k):
    """The session engine runs the eager student a whole push per call, exported graphs a frame per call:
    the same push/flush rule either way."""
    from f3edge.runtimes.eager import EagerStudentRunner, streaming_contract
    from f3edge.runtimes.session import DecoderSession, EncoderSession

    class PerFrame(EagerStudentRunner):
        frames_per_call = 1

    contract = streaming_contract(tok.model)
    x = speech_16k[:9000]
    outs = []
    for cls in (EagerStudentRunner, PerFrame):
        with EncoderSession(cls(tok.model, "encoder"), contract) as s:
            z = np.concatenate([s.push(x[:1234]), s.push(x[1234:]), s.flush()])
        with DecoderSession(cls(tok.model, "decoder"), contract) as d:
            y = np.concatenate([d.push(z[:3]), d.push(z[3:]), d.flush()])
        outs.append((z, y))
    np.testing.assert_allclose(outs[0][0], outs[1][0], atol=1e-4)
    np.testing.assert_allclose(outs[0][1], outs[1][1], atol=1e-4)
    np.testing.assert_allclose(outs[0][0], tok.encode(x), atol=1e-4)


def test_the_written_streaming_rules_are_numbers_that_agree_with_the_contract(tmp_path, tok):
    """manifest.json states the push/flush rules as data the apps can read; a manifest whose rules disagree
    with its numbers is refused, and one round trip through write/read changes nothing."""
    manifest = _sealed_folder(tmp_path, tok)
    rules = manifest["streaming"]
    assert rules["encoder"]["warmup_outputs"] == rules["encoder"]["flush_zero_chunks"] == tok.cfg.lookahead
    assert rules["encoder"]["samples_per_call"] == manifest["chunk_samples"] == tok.hop
    assert rules["decoder"]["drop_leading_samples"] == manifest["synthesis_delay_samples"]
    m = read_manifest(tmp_path)
    assert m.to_dict() == manifest
    manifest["streaming"]["encoder"]["warmup_outputs"] += 1
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(ManifestError, match="streaming rules disagree"):
        read_manifest(tmp_path)
