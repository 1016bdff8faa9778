"""ONNX Runtime step runner (intra-op spinning off: it nearly doubles streaming time on 2 cores)."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from .manifest import ManifestError


class OnnxRuntimeRunner:
    def __init__(self, path: Path, part: dict, threads: int = 0):
        import onnxruntime as ort
        so = ort.SessionOptions()
        so.add_session_config_entry("session.intra_op.allow_spinning", "0")
        if threads:
            so.intra_op_num_threads = threads
        so.log_severity_level = 3
        try:
            self.sess = ort.InferenceSession(str(path), so, providers=["CPUExecutionProvider"])
        except Exception as e:  # noqa: BLE001 - onnxruntime raises its own exception types
            raise ManifestError(f"{path}: onnxruntime cannot load it ({str(e).splitlines()[0][:160]})") from None
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
