"""Per-step cost of a representation encoder, streamed one 25 Hz latent frame per call as an app would run it:
PyTorch eager (the `Representer` stream) and its ONNX step in ONNX Runtime, one thread each. Latents are
the model's own, of real dev speech. Each pass streams every clip; the figure is the median over passes of
each pass's per-call median (and p99), with the real-time factor against the 40 ms a frame lasts.

    python -m benchmarks.repr_speed --data ../shared/data/dev --json docs/results/probes/repr_speed.json
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

FRAME_SECONDS = 0.04


def _per_call(fn, frames: list[np.ndarray]) -> list[float]:
    out = []
    for frame in frames:
        t = time.perf_counter()
        fn(frame)
        out.append(time.perf_counter() - t)
    return out


def _summary(passes: list[list[float]]) -> dict:
    p50 = statistics.median(float(np.percentile(p, 50)) * 1000 for p in passes)
    p99 = statistics.median(float(np.percentile(p, 99)) * 1000 for p in passes)
    return {"p50_ms": round(p50, 4), "p99_ms": round(p99, 4), "rtf": round(p50 / 1000 / FRAME_SECONDS, 5),
            "calls_per_pass": len(passes[0]), "passes": len(passes)}


def measure(rep, latents: list[np.ndarray], passes: int = 5) -> dict:
    import onnxruntime as ort
    import torch
    from f3edge.export.representation import RepresentationStep, export_representation_onnx
    torch.set_num_threads(1)
    frames = [f[None] for z in latents for f in z]

    def torch_pass():
        stream = rep.stream()
        return _per_call(stream.push, frames)

    with tempfile.TemporaryDirectory() as tmp:
        path, parity = export_representation_onnx(rep, Path(tmp), latents[:2], log=lambda m: None)
        onnx_bytes = (path / "representation.onnx").stat().st_size
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = opts.inter_op_num_threads = 1
        sess = ort.InferenceSession(str(path / "representation.onnx"), opts, providers=["CPUExecutionProvider"])
        inputs, outputs = RepresentationStep(rep.encoder).io()
        names = [t.name for t in outputs]

        def onnx_pass():
            state = [np.zeros(t.shape, np.float32) for t in inputs[1:]]

            def call(frame):
                nonlocal state
                outs = sess.run(names, {inputs[0].name: frame.reshape(1, -1, 1).astype(np.float32),
                                        **{t.name: s for t, s in zip(inputs[1:], state)}})
                state = outs[1:]
            return _per_call(call, frames)

        torch_pass(), onnx_pass()   # warm-up
        eager = [torch_pass() for _ in range(passes)]
        onnx = [onnx_pass() for _ in range(passes)]
    return {"pytorch_eager": _summary(eager), "onnxruntime_fp32": {**_summary(onnx), "bytes": onnx_bytes,
                                                                   "feature_snr_db": parity["feature_snr_db"]}}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.repr_speed", description=__doc__.splitlines()[0])
    p.add_argument("--model", default=None, help="the autoencoder whose latents are fed (default: bundled default)")
    p.add_argument("--representation", default=None, help="checkpoint or bundled name (default: the one bundled "
                                                          "for the model's latent space)")
    p.add_argument("--data", default="../shared/data/dev")
    p.add_argument("--clips", type=int, default=8)
    p.add_argument("--passes", type=int, default=5)
    p.add_argument("--json")
    a = p.parse_args(argv)
    import os
    import f3edge
    from f3edge.audio import read_audio
    from f3edge.errors import F3EdgeInputError
    from f3edge.evaluation import speech_clips
    from f3edge.representation import representer_for
    from .json_out import emit
    from .machine import cpu_model
    try:
        tok = f3edge.load(a.model)
        rep = representer_for(tok, a.representation)
        speech = speech_clips(a.data)
        clips = speech[:: max(1, len(speech) // a.clips)][: a.clips]
    except (F3EdgeInputError, OSError, ValueError) as e:
        print(f"repr_speed: {e}", file=sys.stderr)
        return 2
    latents = [tok.encode(read_audio(c.path, tok.sample_rate, min_samples=tok.hop)) for c in clips]
    load = os.getloadavg()
    result = {"representation_id": rep.model_id, "representation_sha256": rep.sha256,
              "latent_space": rep.cfg.latent_space, "model_id": tok.model_id,
              "encoder_parameters": rep.loaded.model.num_parameters(),
              "encoder_fp32_mb": round(rep.loaded.model.num_parameters() * 4 / 2**20, 2),
              "clips": len(clips), "frames": int(sum(len(z) for z in latents)), "threads": 1, "cpu": cpu_model(),
              "load_average_at_start": [round(x, 2) for x in load], **measure(rep, latents, a.passes)}
    emit(result, a.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
