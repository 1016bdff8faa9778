"""The golden step traces the Kotlin and Swift cores replay (tests/golden/, written by
`python -m f3edge.runtimes.golden_trace`) are current: made from the bundled default student, and the Python
streaming sessions replayed against them make exactly the recorded calls and return the recorded outputs."""
import json
from pathlib import Path

import numpy as np
import pytest

from f3edge.runtimes.session import DecoderSession, EncoderSession

GOLDEN = Path(__file__).parent / "golden"
TRACES = sorted(p.parent for p in GOLDEN.glob("*/trace.json"))


class ReplayRunner:
    def __init__(self, part: dict, flat: np.ndarray, calls: int):
        sizes = [int(np.prod(t["shape"])) for t in part["inputs"] + part["outputs"]]
        assert flat.size == calls * sum(sizes)
        self.calls = [np.split(c, np.cumsum(sizes)[:-1]) for c in flat.reshape(calls, -1)]
        self.n_in, self.used = len(part["inputs"]), 0

    def run(self, inputs):
        recorded = self.calls[self.used]
        for got, want in zip(inputs, recorded[: self.n_in]):
            np.testing.assert_array_equal(np.asarray(got).reshape(-1), want)
        self.used += 1
        return list(recorded[self.n_in:])


def _f32(d: Path, name: str) -> np.ndarray:
    return np.fromfile(d / name, "<f4")


def test_traces_exist_for_the_runtimes_the_apps_use():
    assert {p.name for p in TRACES} >= {"executorch-int8", "onnx-int8", "tflite-int8"}


@pytest.mark.parametrize("trace", TRACES, ids=lambda p: p.name)
def test_trace_was_written_from_the_bundled_default_student(trace, tok):
    manifest = json.loads((trace / "manifest.json").read_text())
    assert manifest["checkpoint_sha256"] == tok.sha256, (
        f"{trace.name} is stale: python -m f3edge.runtimes.golden_trace --artifact exports/{trace.name} --out {trace}")


@pytest.mark.parametrize("trace", TRACES, ids=lambda p: p.name)
def test_python_sessions_replay_the_trace_exactly(trace):
    from f3edge.runtimes.manifest import Manifest
    raw = json.loads((trace / "manifest.json").read_text())
    manifest, contract = raw, Manifest.from_dict(raw).contract
    index = json.loads((trace / "trace.json").read_text())
    enc = ReplayRunner(manifest["encoder"], _f32(trace, "encoder_steps.f32"), index["encoder_calls"])
    audio, pos, z = _f32(trace, "audio.f32"), 0, []
    with EncoderSession(enc, contract) as s:
        for n in index["audio_pushes"]:
            z.append(s.push(audio[pos:pos + n]))
            pos += n
        z.append(s.flush())
    z = np.concatenate(z)
    assert enc.used == index["encoder_calls"]
    np.testing.assert_array_equal(z.reshape(-1), _f32(trace, "latents.f32"))
    dec = ReplayRunner(manifest["decoder"], _f32(trace, "decoder_steps.f32"), index["decoder_calls"])
    y, pos = [], 0
    with DecoderSession(dec, contract) as s:
        for n in index["latent_pushes"]:
            y.append(s.push(z[pos:pos + n]))
            pos += n
        y.append(s.flush())
    assert dec.used == index["decoder_calls"]
    np.testing.assert_array_equal(np.concatenate(y), _f32(trace, "decoded.f32"))


def test_model_files_kept_beside_a_trace_are_the_ones_its_manifest_names():
    """The Swift core's real-runtime test loads tests/golden/onnx-int8/{encoder,decoder}.onnx."""
    from f3edge.runtimes.manifest import file_digest
    d = GOLDEN / "onnx-int8"
    manifest = json.loads((d / "manifest.json").read_text())
    for part in ("encoder", "decoder"):
        assert file_digest(d / manifest[part]["file"]) == (manifest[part]["sha256"], manifest[part]["bytes"])


def test_manifest_cases_hold_the_current_rules_verdicts(tmp_path):
    """tests/golden/manifest_cases.json carries runtimes.manifest's verdicts to the Kotlin and Swift parsers,
    which must agree case by case; a rule change here must regenerate it (see runtimes/golden_trace.py)."""
    from f3edge.runtimes.golden_trace import write_manifest_cases
    write_manifest_cases(GOLDEN / "onnx-int8" / "manifest.json", tmp_path / "cases.json")
    assert (tmp_path / "cases.json").read_text() == (GOLDEN / "manifest_cases.json").read_text(), \
        "stale: python -m f3edge.runtimes.golden_trace --manifest-cases-from ... --out tests/golden/manifest_cases.json"
    cases = json.loads((GOLDEN / "manifest_cases.json").read_text())
    assert sum(c["valid"] for c in cases) >= 5 and sum(not c["valid"] for c in cases) >= 30
