"""ONNX Runtime step runner (intra-op spinning off: it nearly doubles streaming time on 2 cores)."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from .manifest import ManifestError


def _session(path: Path, threads: int):
    import onnxruntime as ort
    so = ort.SessionOptions()
    so.add_session_config_entry("session.intra_op.allow_spinning", "0")
    if threads:
        so.intra_op_num_threads = threads
    so.log_severity_level = 3
    if not path.is_file():
        raise ManifestError(f"{path}: artifact file missing")
    try:
        return ort.InferenceSession(str(path), so, providers=["CPUExecutionProvider"])
    except Exception as e:  # noqa: BLE001 - onnxruntime raises its own exception types
        raise ManifestError(f"{path}: onnxruntime cannot load it ({str(e).splitlines()[0][:160]})") from None


class OnnxRuntimeRunner:
    def __init__(self, path: Path, part: dict, threads: int = 0):
        self.sess = _session(path, threads)
        self.names = [t["name"] for t in part["inputs"]]
        model_inputs = {i.name: i.shape for i in self.sess.get_inputs()}
        for t in part["inputs"]:
            if t["name"] not in model_inputs:
                raise ManifestError(f"{path}: the model has no input '{t['name']}' listed in the manifest")
            if list(model_inputs[t["name"]]) != t["shape"]:
                raise ManifestError(f"{path}: input {t['name']} is {model_inputs[t['name']]} in the model but "
                                    f"{t['shape']} in the manifest")
        self.out_names = [t["name"] for t in part["outputs"]]

    def run(self, inputs: list[np.ndarray]) -> list[np.ndarray]:
        return self.sess.run(self.out_names, dict(zip(self.names, inputs)))


class OnnxFullSequence:
    """The ONNX target's full-sequence models (dynamic frame count, no state): one call per file."""

    def __init__(self, folder: Path, manifest, threads: int = 0):
        spec = manifest.full_sequence
        if not spec:
            raise ManifestError(f"{folder}: no full-sequence models in this artifact (the onnx target has them)")
        self.hop = manifest.hop
        self.enc = _session(folder / spec["encoder"]["file"], threads)
        self.dec = _session(folder / spec["decoder"]["file"], threads)

    def encode(self, wav: np.ndarray) -> np.ndarray:
        """Mono float32 audio at the model rate -> (T, D) latents, T = ceil(len / hop)."""
        wav = np.asarray(wav, np.float32)
        x = np.pad(wav, (0, (-len(wav)) % self.hop))[None, None]
        return self.enc.run(None, {"audio": x})[0][0].T

    def decode(self, z: np.ndarray, num_samples: int | None = None) -> np.ndarray:
        """(T, D) latents -> T * hop samples (or the first num_samples)."""
        y = self.dec.run(None, {"latent": np.ascontiguousarray(np.asarray(z, np.float32).T[None])})[0][0, 0]
        return y[:num_samples] if num_samples is not None else y
