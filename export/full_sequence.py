"""Full-sequence (offline) encoder and decoder with a dynamic number of frames, for runtimes that take
dynamic shapes (ONNX Runtime). Server-style batch use on a phone: no state, one call per file.

encoder_full: audio (1, 1, frames * hop) -> latent (1, D, frames)      (same as `Tokenizer.encode`)
decoder_full: latent (1, D, frames) -> audio (1, 1, frames * hop)      (same as `Tokenizer.decode`)
The caller pads audio with zeros to a multiple of `hop` (the manifest's `hop`).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from torch import Tensor, nn

from f3edge.metrics import snr_db

from .steps import ConvChannelNorm, _exportable

MAX_FRAMES = 90_000   # one hour at 25 Hz: the export's declared upper bound for the dynamic axis


class FullEncoder(nn.Module):
    def __init__(self, student):
        super().__init__()
        self.student = _exportable(student, drop="decoder")
        self.norm = ConvChannelNorm(student.cfg.signal.latent_dim)

    def forward(self, audio: Tensor) -> Tensor:
        return self.norm(self.student.encode_raw(audio))


class FullDecoder(nn.Module):
    def __init__(self, student):
        super().__init__()
        self.student = _exportable(student, drop="encoder")

    def forward(self, latent: Tensor) -> Tensor:
        return self.student.decode(latent)


def _dims(hop: int):
    frames = torch.export.Dim("frames", min=2, max=MAX_FRAMES)
    return {"audio": {2: frames * hop}}, {"latent": {2: frames}}


def export_onnx(student, out: Path, precision: str, calib_clips: list[np.ndarray] | None, recipe: str) -> dict:
    """fp32, or int8 calibrated on `calib_clips` (whole clips; needed only for int8)."""
    from .onnx import compact, quantize_int8
    from .steps import convert_then_quantize
    hop = student.cfg.signal.latent_hop
    enc_dims, dec_dims = _dims(hop)
    g = torch.Generator().manual_seed(0)
    examples = {"encoder_full": (FullEncoder(student).eval(), (torch.randn(1, 1, 8 * hop, generator=g) * 0.1,),
                                 enc_dims, ["audio"], ["latent"]),
                "decoder_full": (FullDecoder(student).eval(),
                                 (torch.randn(1, student.cfg.signal.latent_dim, 8, generator=g),), dec_dims,
                                 ["latent"], ["audio"])}
    calib = _full_calibration(student, calib_clips) if precision == "int8" else {}
    files = {}
    for name, (module, args, dims, ins, outs) in examples.items():
        path = out / f"{name}.onnx"

        def convert(p, module=module, args=args, dims=dims, ins=ins, outs=outs):
            torch.onnx.export(module, args, str(p), dynamo=True, opset_version=18, external_data=False,
                              input_names=ins, output_names=outs, dynamic_shapes=dims, verbose=False)

        convert_then_quantize(path, convert, lambda fp32, p, ins=ins, name=name: quantize_int8(
            fp32, p, ins, calib[name], recipe), precision)
        compact(path)
        files[name] = path.name
    return {
        "encoder": {"file": files["encoder_full"], "inputs": [{"name": "audio", "shape": [1, 1, "frames*hop"],
                                                               "dtype": "float32"}],
                    "outputs": [{"name": "latent", "shape": [1, student.cfg.signal.latent_dim, "frames"],
                                 "dtype": "float32"}]},
        "decoder": {"file": files["decoder_full"], "inputs": [{"name": "latent", "dtype": "float32",
                                                               "shape": [1, student.cfg.signal.latent_dim, "frames"]}],
                    "outputs": [{"name": "audio", "shape": [1, 1, "frames*hop"], "dtype": "float32"}]},
        "max_frames": MAX_FRAMES,
        "usage": "pad audio with zeros to a multiple of hop; one call per file, no state",
    }


def _full_calibration(student, clips: list[np.ndarray]) -> dict:
    hop = student.cfg.signal.latent_hop
    enc, dec = [], []
    for x in clips[:4]:
        x = np.pad(x, (0, (-len(x)) % hop)).astype(np.float32)[None, None]
        with torch.inference_mode():
            z = student.encode(torch.from_numpy(x)).numpy()
        enc.append([x])
        dec.append([z])
    return {"encoder_full": enc, "decoder_full": dec}


def measure_full_parity(runner, tok, clips: list[np.ndarray]) -> dict:
    z_ref, z_art, y_ref, y_art = [], [], [], []
    for x in clips:
        z = tok.encode(x)
        z_ref.append(z)
        z_art.append(runner.encode(x))
        y_ref.append(tok.decode(z, num_samples=len(x)))
        y_art.append(runner.decode(z, num_samples=len(x)))
    return {"latent_snr_db": round(snr_db(np.concatenate(z_ref), np.concatenate(z_art)), 2),
            "decoder_audio_snr_db": round(snr_db(np.concatenate(y_ref), np.concatenate(y_art)), 2),
            "clips": len(clips)}
