"""Speed of one configuration in a fresh process (so load time and peak RSS are its own).

    python -m benchmarks.speed_one --kind artifact --path exports/onnx-int8 --threads 1 --audio clip.flac
prints one JSON object."""
from __future__ import annotations

import argparse
import importlib
import json
import resource
import sys
import time
from pathlib import Path

import numpy as np


def _status_mb(field: str) -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return float("nan")


def current_rss_mb() -> float:
    return _status_mb("VmRSS")


def rss_fields(before_load: float) -> dict:
    """Peak RSS of this process, and what loading + running the model added on top of the interpreter
    with its imports (torch alone is a few hundred MB; a phone app does not carry it). VmHWM, not
    getrusage's ru_maxrss: Linux carries ru_maxrss across fork+exec, so a child of a big benchmark
    process would report its parent's peak."""
    peak = _status_mb("VmHWM")
    if peak != peak:   # no /proc (macOS): ru_maxrss is bytes there
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / (1024 * 1024)
    return {"peak_rss_mb": peak, "rss_before_load_mb": before_load, "model_rss_mb": peak - before_load}


class TimedRunner:
    """A step runner that keeps each call's wall time (the step latency a phone would see)."""
    frames_per_call = 1

    def __init__(self, runner):
        self.runner, self.seconds = runner, []

    def run(self, inputs):
        t = time.perf_counter()
        outputs = self.runner.run(inputs)
        self.seconds.append(time.perf_counter() - t)
        return outputs


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--kind", choices=["artifact", "torch", "lyra", "neural-peer"], required=True)
    ap.add_argument("--path", default=None, help="artifact folder, or model name for torch")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--audio", required=True)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--precision", default="fp32", help="torch kind: fp32 or int8 (PT2E reference ops)")
    a = ap.parse_args()
    import torch
    torch.set_num_threads(a.threads)
    from f3edge.audio import read_audio
    from benchmarks.measure import percentiles, repeat
    x = read_audio(a.audio, 16000)
    seconds = len(x) / 16000
    import benchmarks.neural_peers  # noqa: F401 - imports before the baseline, not counted as model memory
    from f3edge.runtimes import LIBRARIES
    if a.kind == "artifact":   # the runtime library's import is per process, not per model: keep it out of load time
        runtime = json.loads((Path(a.path) / "manifest.json").read_text())["runtime"]
        if runtime in LIBRARIES:
            importlib.import_module(LIBRARIES[runtime])
    before_load = current_rss_mb()
    t0 = time.perf_counter()
    if a.kind == "neural-peer":
        print(json.dumps(_neural_peer(a, t0) | rss_fields(before_load)))
        return
    if a.kind == "lyra":
        from benchmarks.peers import LYRA_FRAME, Lyra
        codec = Lyra(None, threads=a.threads)
        load_s = time.perf_counter() - t0
        frames = [x[i:i + LYRA_FRAME] for i in range(0, len(x) // LYRA_FRAME * LYRA_FRAME, LYRA_FRAME)]
        enc_lat, dec_lat, feats = [], [], []

        def run_enc():
            codec.reset()
            feats.clear()
            for f in frames:
                t = time.perf_counter()
                feats.append(codec.encode_frame(f))
                enc_lat.append(time.perf_counter() - t)

        def run_dec():
            for f in feats:
                t = time.perf_counter()
                codec.decode_frame(f)
                dec_lat.append(time.perf_counter() - t)
        chunk_ms = 20.0
    else:
        if a.kind == "artifact":
            from f3edge.runtimes import open as open_artifact
            art = open_artifact(a.path, threads=a.threads)
            enc_runner, dec_runner = art.runner("encoder"), art.runner("decoder")
            contract = art.manifest.contract
        else:
            import f3edge
            from benchmarks.torch_reference import torch_artifact
            art = torch_artifact(f3edge.load(a.path), a.precision)
            enc_runner, dec_runner = art.runner("encoder"), art.runner("decoder")
            contract = art.manifest.contract
        from f3edge.runtimes.session import DecoderSession, EncoderSession
        load_s = time.perf_counter() - t0
        hop = contract.chunk_samples
        whole = x[: len(x) // hop * hop]
        enc_timed, dec_timed = TimedRunner(enc_runner), TimedRunner(dec_runner)
        enc_lat, dec_lat, feats = enc_timed.seconds, dec_timed.seconds, []

        def run_enc():   # the session engine an app runs: one frame per call, lookahead run out by flush
            with EncoderSession(enc_timed, contract) as s:
                feats[:] = [np.concatenate([s.push(whole), s.flush()])]

        def run_dec():
            with DecoderSession(dec_timed, contract) as s:
                s.push(feats[0])
                s.flush()
        chunk_ms = 1000.0 * hop / 16000
    enc = repeat(run_enc, a.runs)
    dec = repeat(run_dec, a.runs)
    print(json.dumps({
        "threads": a.threads, "audio_seconds": seconds, "load_seconds": load_s, "chunk_ms": chunk_ms,
        "encode_rtf": {k: (v / seconds if k != "runs" else v) for k, v in enc.items()},
        "decode_rtf": {k: (v / seconds if k != "runs" else v) for k, v in dec.items()},
        "encoder_step": percentiles(enc_lat), "decoder_step": percentiles(dec_lat),
        **rss_fields(before_load),
    }))


def _neural_peer(a, t0: float) -> dict:
    """EnCodec / Mimi with random weights: whole-clip encode and decode, and Mimi's streaming frames."""
    import contextlib

    import torch
    from f3edge.audio import read_audio
    from benchmarks.measure import percentiles, repeat
    from benchmarks.neural_peers import NeuralPeer
    peer = NeuralPeer(a.path)
    load_s = time.perf_counter() - t0
    x = torch.from_numpy(read_audio(a.audio, peer.sample_rate))[None, None]
    seconds = x.shape[-1] / peer.sample_rate
    codes = peer.encode(x)
    enc = repeat(lambda: peer.encode(x), a.runs)
    dec = repeat(lambda: peer.decode(codes), a.runs)
    lat: dict[str, list[float]] = {"encoder": [], "decoder": []}

    @contextlib.contextmanager
    def timer(part):
        t = time.perf_counter()
        yield
        lat[part].append(time.perf_counter() - t)
    peer.stream_steps(x, timer)
    return {
        "threads": a.threads, "audio_seconds": seconds, "load_seconds": load_s, "params": peer.params,
        "sample_rate": peer.sample_rate, "chunk_ms": 1000.0 * peer.frame / peer.sample_rate,
        "weights": "random (speed only)", "mode": "whole clip",
        "encode_rtf": {k: (v / seconds if k != "runs" else v) for k, v in enc.items()},
        "decode_rtf": {k: (v / seconds if k != "runs" else v) for k, v in dec.items()},
        **({"encoder_step": percentiles(lat["encoder"]), "decoder_step": percentiles(lat["decoder"])}
           if lat["encoder"] else {}),
    }


if __name__ == "__main__":
    sys.exit(main())
