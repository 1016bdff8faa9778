"""One benchmark run: every f3edge model x runtime x precision that runs here, plus peers.

Writes results.json, results.md and plots into benchmarks/results/<date>-<machine>/.
"""
from __future__ import annotations

import argparse
import datetime
import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from .machine import machine_info, machine_tag
from .measure import codec_delay, latent_snr, quality, shift

REPO = Path(__file__).resolve().parents[1]
DEV = REPO.parent / "shared" / "data" / "dev"


def dev_speech_clips(limit: int | None):
    from f3edge.evaluation import speech_clips as clips
    out = clips(DEV)
    if limit:   # keep both languages and the English clips in a smoke run
        en = [c for c in out if c.lang == "en"]
        out = en[:1] + [c for c in out if c.lang != "en"][: max(0, limit - 1)]
    return out


def speed(kind: str, path: str, threads: int, audio: Path, runs: int, precision: str = "fp32") -> dict:
    cmd = [sys.executable, "-m", "benchmarks.speed_one", "--kind", kind, "--threads", str(threads),
           "--audio", str(audio), "--runs", str(runs), "--precision", precision] + (["--path", path] if path else [])
    p = subprocess.run(cmd, capture_output=True, text=True, cwd=REPO, timeout=1800)
    if p.returncode:
        return {"error": p.stderr.strip().splitlines()[-1][:300] if p.stderr.strip() else "failed"}
    return json.loads(p.stdout.strip().splitlines()[-1])


def evaluate_codec(reconstruct, clips, audio: dict, aligned: bool = False) -> dict:
    """Mean quality over `clips` (16 kHz audio in `audio`, by path); WER on the English ones. `aligned`:
    the codec returns time-aligned audio (every f3edge model); otherwise its constant delay is estimated
    once over all clips (`codec_delay`) and removed."""
    from f3edge import asr
    pairs = [(audio[c.path], reconstruct(audio[c.path])) for c in clips]
    lag = 0 if aligned else codec_delay(pairs)
    rows = []
    for c, (x, y) in zip(clips, pairs):
        y = shift(y, lag, len(x))
        q = quality(x, y, 16000)
        if c.lang == "en" and asr.available():
            q["wer"] = asr.wer(x, y)[0]
        rows.append(q)
    keys = sorted({k for r in rows for k in r})   # WER exists only on the English clips
    return {k: float(np.nanmean([r[k] for r in rows if k in r])) for k in keys} | {"clips": len(rows),
                                                                                    "delay_samples": lag}


def neural_peer_configs(threads: list[int], speed_clip: Path, runs: int) -> list[dict]:
    """EnCodec 24 kHz and Mimi with random weights: speed, size and MACs only (no trained weights here)."""
    from .neural_peers import PEERS, available
    out = []
    for name in PEERS:
        if not available(name):
            out.append({"name": name, "family": "peer", "error": "not installed (pip install --no-deps encodec moshi)"})
            continue
        out.append({"name": f"{name} (random weights)", "family": "peer", "speed_only": True,
                    "runtime": "torch", "precision": "fp32", "macs_per_s": neural_peer_macs(name),
                    "speed": {f"threads_{t}": speed("neural-peer", name, t, speed_clip, runs) for t in threads}})
        sp = out[-1]["speed"].get("threads_1", {})
        out[-1]["params"] = sp.get("params")
        out[-1]["bytes"] = 4 * sp["params"] if sp.get("params") else None
    return out


def neural_peer_macs(name: str, seconds: float = 2.0) -> dict:
    """torch's FLOP counter: it misses LSTMs and CPU attention (measured: ~20 % of EnCodec, ~2 % of Mimi)."""
    import torch
    from .macs import count_macs
    from .neural_peers import PEERS, NeuralPeer
    peer = NeuralPeer(name)
    x = torch.zeros(1, 1, int(seconds * PEERS[name][0]))
    enc = count_macs(type("E", (torch.nn.Module,), {"forward": lambda self, w: peer.encode(w)})(), (x,))
    codes = peer.encode(x)
    dec = count_macs(type("D", (torch.nn.Module,), {"forward": lambda self, c: peer.decode(c)})(), (codes,))
    return {"encoder": int(enc / seconds), "decoder": int(dec / seconds), "note": "LSTM/attention not counted"}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--smoke", action="store_true", help="two clips, one model, fp32+int8 ONNX, Lyra, Opus; no peers' speed")
    ap.add_argument("--out", default=None)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--clips", type=int, default=None, help="full matrix on the first N dev clips (a dry run)")
    a = ap.parse_args(argv)
    import f3edge
    from f3edge.export.pipeline import export_target
    from f3edge.runtimes import open as open_artifact
    from .macs import full_model_macs_per_second, student_macs_per_second
    from .peers import Lyra, Opus

    date = datetime.date.today().isoformat()
    out = Path(a.out) if a.out else REPO / "benchmarks" / "results" / f"{date}-{machine_tag()}"
    out.mkdir(parents=True, exist_ok=True)
    clips = dev_speech_clips(2 if a.smoke else a.clips)
    threads = [1] if a.smoke else a.threads
    runs = 2 if a.smoke else a.runs
    speed_clip = REPO / "f3edge" / "samples" / "arctic_a0007.flac"
    results = {"machine": machine_info(threads), "smoke": a.smoke, "clips": len(clips), "configs": []}
    t_start = time.time()

    from f3edge.audio import read_audio
    audio = {c.path: read_audio(c.path, 16000) for c in clips}   # read once: quality and latent comparisons
    from f3edge.registry import DEFAULT_TEACHER
    teacher = f3edge.load(DEFAULT_TEACHER) if DEFAULT_TEACHER in f3edge.available_models() else None
    teacher_latents = {}
    if teacher is not None:
        teacher_latents = {p: teacher.encode(x) for p, x in audio.items()}
        results["configs"].append({
            "name": f"{DEFAULT_TEACHER}/torch-fp32", "family": "f3edge", "model": DEFAULT_TEACHER, "runtime": "torch",
            "precision": "fp32", "params": teacher.model.num_parameters(),
            "bytes": teacher.info()["weights_bytes"], "macs_per_s": full_model_macs_per_second(teacher),
            "quality": evaluate_codec(teacher.reconstruct, clips, audio, aligned=True)})

    students = [m for m in f3edge.available_models() if m != DEFAULT_TEACHER]
    if a.smoke:
        students = students[:1]
    for model in students:
        tok = f3edge.load(model)
        macs = student_macs_per_second(tok)
        eager = {p: tok.encode(x) for p, x in audio.items()}
        configs = [("torch", "fp32", None)] + ([] if a.smoke else [("torch", "int8", None)])
        targets = ["onnx"] if a.smoke else ["onnx", "executorch", "tflite"]
        for target in targets:
            for precision in ("fp32", "int8"):
                try:
                    path, _ = export_target(tok, target, precision, out / "artifacts" / model, [
                        read_audio(str(speed_clip), 16000)],
                        log=lambda m: None)
                    configs.append((target, precision, path))
                except Exception as e:  # noqa: BLE001 - a target that cannot build here is reported, not fatal
                    results["configs"].append({"name": f"{model}/{target}-{precision}", "error": str(e)[:300]})
        for runtime, precision, path in configs:
            if path is None:
                from .torch_reference import torch_artifact
                art = torch_artifact(tok, precision)
                encode = art.encode
                recon = lambda x, art=art: art.decode(art.encode(x), len(x))  # noqa: E731
                nbytes = tok.info()["weights_bytes"] if precision == "fp32" else None
            else:
                art = open_artifact(path)
                encode = art.encode
                recon = lambda x, art=art: art.decode(art.encode(x), len(x))  # noqa: E731
                man = json.loads((path / "manifest.json").read_text())
                nbytes = sum(man["sizes_bytes"].values())
            q = evaluate_codec(recon, clips, audio, aligned=True)
            latents = {p: encode(x) for p, x in audio.items()}
            if (runtime, precision) != ("torch", "fp32"):   # the issue-4 check: runtime vs eager PyTorch fp32
                q["latent_snr_vs_eager_db"] = float(np.mean([latent_snr(eager[c.path], latents[c.path])
                                                             for c in clips]))
            if teacher_latents:
                q["latent_snr_vs_teacher_db"] = float(np.mean([latent_snr(teacher_latents[c.path], latents[c.path])
                                                               for c in clips]))
            sp = {f"threads_{t}": speed("torch" if path is None else "artifact", model if path is None else str(path),
                                        t, speed_clip, runs, precision) for t in threads}
            results["configs"].append({
                "name": f"{model}/{runtime}-{precision}", "family": "f3edge", "model": model, "runtime": runtime,
                "precision": precision, "params": tok.model.num_parameters(), "bytes": nbytes, "macs_per_s": macs,
                "algorithmic_latency_ms": tok.algorithmic_latency_ms, "quality": q, "speed": sp})

    peers = [Lyra(None)] + ([] if a.smoke else [Lyra(16), Lyra(30), Lyra(46)])
    for peer in peers:
        results["configs"].append({
            "name": peer.name, "family": "peer", "runtime": "litert", "bytes": peer.bytes,
            "algorithmic_latency_ms": 20.0,
            "quality": evaluate_codec(peer.reconstruct, clips, audio),
            **({"speed": {f"threads_{t}": speed("lyra", "", t, speed_clip, runs) for t in threads}}
               if peer.nq is None else {})})
    for kbps in ([6] if a.smoke else [6, 12]):
        peer = Opus(kbps)
        results["configs"].append({"name": peer.name, "family": "peer", "runtime": "libopus",
                                   "quality": evaluate_codec(peer.reconstruct, clips, audio)})
    if not a.smoke:
        results["configs"] += neural_peer_configs(threads, speed_clip, runs)
    results["wall_seconds"] = round(time.time() - t_start, 1)
    from .report import write_report
    write_report(results, out)
    print(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
