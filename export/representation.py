"""ONNX export of the representation encoder's streaming step: forward(latent, *states) -> (features,
*new_states), one 25 Hz latent frame per call, with the same parity gate as the student's export: the step
streamed in ONNX Runtime over real latents against the PyTorch encoder, SNR in dB.

    f3edge export-repr --representation runs/repr/model -o exports     -> exports/repr-onnx-fp32/
"""
from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

import numpy as np
import torch
from torch import Tensor, nn

from .onnx import compact, export_step
from .steps import TensorSpec

MIN_FEATURE_SNR_DB = 60.0


class RepresentationStep(nn.Module):
    def __init__(self, encoder):
        super().__init__()
        self.encoder = encoder.eval()
        self.dim, self.out_dim = encoder.cfg.latent_dim, encoder.cfg.out_dim

    def forward(self, latent: Tensor, *state: Tensor):
        h, new_state = self.encoder.step(latent, tuple(state))
        return (h, *new_state)

    def io(self) -> tuple[list[TensorSpec], list[TensorSpec]]:
        states = [TensorSpec(f"state_{i}", s.shape) for i, s in enumerate(self.encoder.state_spec(1))]
        inputs = [TensorSpec("latent", (1, self.dim, 1))] + states
        outputs = [TensorSpec("features", (1, self.out_dim, 1))] + [TensorSpec(f"new_{t.name}", t.shape) for t in states]
        return inputs, outputs


def feature_snr_db(ref: np.ndarray, est: np.ndarray) -> float:
    noise = float(np.sum((ref - est) ** 2))
    return float("inf") if noise == 0 else 10 * np.log10(float(np.sum(ref ** 2)) / noise)


def stream_onnx(path: Path, step: RepresentationStep, z: np.ndarray) -> np.ndarray:
    """(T, D) latents through the ONNX step one frame at a time -> (T, out_dim)."""
    import onnxruntime as ort
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 1
    sess = ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])
    inputs, outputs = step.io()
    state = [np.zeros(t.shape, np.float32) for t in inputs[1:]]
    feats = []
    for frame in z:
        outs = sess.run([t.name for t in outputs], {inputs[0].name: frame.reshape(1, -1, 1).astype(np.float32),
                                                    **{t.name: s for t, s in zip(inputs[1:], state)}})
        feats.append(outs[0].reshape(-1))
        state = outs[1:]
    return np.stack(feats)


def export_representation_onnx(rep, out_dir: Path, parity_latents: list[np.ndarray], log=print) -> tuple[Path, dict]:
    """Write <out_dir>/repr-onnx-fp32/{representation.onnx, manifest.json} if parity passes, else nothing."""
    step = RepresentationStep(rep.encoder).eval()   # the wrapper too: an export traces inference mode
    final = Path(out_dir) / "repr-onnx-fp32"
    Path(out_dir).mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{final.name}.", dir=out_dir))
    try:
        export_step(step, tmp / "representation.onnx")
        compact(tmp / "representation.onnx")
        snrs = []
        for z in parity_latents:
            with torch.inference_mode():
                ref = rep.features(z)
            snrs.append(feature_snr_db(ref, stream_onnx(tmp / "representation.onnx", step, z)))
        worst = float(min(snrs))
        parity = {"clips": len(parity_latents), "feature_snr_db": round(worst, 2),
                  "min_feature_snr_db": MIN_FEATURE_SNR_DB, "passed": bool(worst >= MIN_FEATURE_SNR_DB)}
        inputs, outputs = step.io()
        from f3edge.runtimes.manifest import file_digest
        sha, size = file_digest(tmp / "representation.onnx")
        manifest = {"kind": "representation", "representation_id": rep.model_id, "representation_sha256": rep.sha256,
                    "latent_space": rep.cfg.latent_space, "runtime": "onnxruntime", "precision": "fp32",
                    "frame_rate_hz": 25.0, "latent_dim": rep.cfg.latent_dim, "out_dim": rep.cfg.out_dim,
                    "step": {"file": "representation.onnx", "inputs": [t.to_dict() for t in inputs],
                             "outputs": [t.to_dict() for t in outputs], "sha256": sha, "bytes": size},
                    "streaming": "feed one normalized latent frame per call; start every state at zeros and pass "
                                 "each new_state_i back as state_i",
                    "parity": parity}
        (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2))
        if not parity["passed"]:
            from .pipeline import ExportError
            raise ExportError(f"representation ONNX parity FAILED: feature SNR {min(snrs):.1f} dB < {MIN_FEATURE_SNR_DB:g}")
        if final.exists():
            shutil.rmtree(final)
        os.chmod(tmp, 0o755)
        tmp.rename(final)
        log(f"{final}: parity ok: feature SNR {min(snrs):.1f} dB over {len(snrs)} clips")
        return final, parity
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
