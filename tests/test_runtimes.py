"""Manifest validation and the shared streaming sessions, independent of any runtime."""
import json

import numpy as np
import pytest

from f3edge.runtimes import ManifestError, read_manifest
from f3edge.runtimes.session import Artifact
from f3edge.runtimes.torch_runner import TorchRunner


def _manifest(tok):
    from f3edge.export.pipeline import build_manifest
    from f3edge.export import onnx as onnx_target
    from f3edge.export.steps import DecoderStep, EncoderStep
    steps = {"encoder": EncoderStep(tok.model), "decoder": DecoderStep(tok.model)}
    parts = {p: {"file": f"{p}.onnx"} for p in steps}
    return build_manifest(tok, onnx_target, "fp32", parts, steps), steps


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
    breakage(manifest)
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(ManifestError, match=message):
        read_manifest(tmp_path)


def test_not_json_and_missing_files_are_refused(tmp_path, tok):
    (tmp_path / "manifest.json").write_text("{not json")
    with pytest.raises(ManifestError, match="malformed JSON"):
        read_manifest(tmp_path)
    manifest, _ = _manifest(tok)
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(ManifestError, match="artifact file missing"):
        read_manifest(tmp_path)
    with pytest.raises(ManifestError, match="no such artifact folder"):
        read_manifest(tmp_path / "nope")
