"""Golden step traces for the mobile streaming cores (android_demo/core, ios_demo/F3EdgeCore).

A real speech clip is streamed through an exported artifact by `f3edge.runtimes` (pushed in uneven pieces,
then flushed) and every runner call is recorded. A core's session loop replayed against a trace must hand
its runner exactly the recorded inputs (chunking, state threading, zero padding at flush) and must return
exactly the recorded latents and audio (warm-up drop, synthesis-delay drop, the decoder tail).

A trace folder:
  manifest.json          the artifact's manifest, as the cores parse it
  trace.json             push sizes, step counts and the float counts of each file
  audio.f32              the input clip at the model rate (float32, little-endian, as every .f32 here)
  encoder_steps.f32      per encoder call: its inputs then its outputs, each flattened, in manifest order
  decoder_steps.f32      the same for the decoder calls
  latents.f32            what EncoderSession returned over all pushes and the flush, (frames, latent_dim)
  decoded.f32            what DecoderSession returned on those latents (pushed in uneven groups) and its flush

    python -m f3edge.runtimes.golden_trace --artifact exports/onnx-int8 --out tests/golden/onnx-int8
    cp exports/onnx-int8/encoder.onnx exports/onnx-int8/decoder.onnx tests/golden/onnx-int8/   # for the Swift ORT test
    python -m f3edge.runtimes.golden_trace --manifest-cases-from tests/golden/onnx-int8/manifest.json \
        --out tests/golden/manifest_cases.json      # the manifest rules' verdicts, for the Kotlin/Swift parsers
"""
from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path

import numpy as np

from ..audio import atomic_path, read_audio
from ..samples_path import sample
from . import open as open_artifact

# uneven pushes exercise buffering across chunk boundaries; the clip length is not a multiple of a chunk
AUDIO_PUSHES = [1000, 333, 2560, 7, 640, 1]
LATENT_PUSHES = [1, 3, 5]
CLIP_SAMPLES = 7_900
CLIP_OFFSET = 8_000   # into speech, past the leading silence


def _pieces(total: int, sizes: list[int]) -> list[int]:
    out, used = [], 0
    for s in sizes:
        if used + s >= total:
            break
        out.append(s)
        used += s
    return out + [total - used]


def _write_f32(path: Path, arrays) -> int:
    flat = np.concatenate([np.asarray(a, "<f4").reshape(-1) for a in arrays]) if arrays else np.zeros(0, "<f4")
    with atomic_path(path) as t:
        flat.astype("<f4").tofile(t)
    return int(flat.size)


def record(artifact_dir: Path, out: Path, audio: np.ndarray) -> dict:
    from .session import DecoderSession, EncoderSession, RecordingRunner
    art = open_artifact(artifact_dir, threads=1)
    manifest = art.manifest
    enc = RecordingRunner(art.runner("encoder"))
    dec = RecordingRunner(art.runner("decoder"))
    audio_pushes, pos, latents = _pieces(len(audio), AUDIO_PUSHES), 0, []
    with EncoderSession(enc, manifest.contract) as s:
        for n in audio_pushes:
            latents.append(s.push(audio[pos:pos + n]))
            pos += n
        latents.append(s.flush())
    z = np.concatenate(latents)
    latent_pushes, pos, decoded = _pieces(len(z), LATENT_PUSHES), 0, []
    with DecoderSession(dec, manifest.contract) as s:
        for n in latent_pushes:
            decoded.append(s.push(z[pos:pos + n]))
            pos += n
        decoded.append(s.flush())
    y = np.concatenate(decoded)
    out.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(artifact_dir / "manifest.json", out / "manifest.json")
    index = {"artifact": artifact_dir.name, "runtime": manifest.runtime, "audio_pushes": audio_pushes,
             "latent_pushes": latent_pushes, "encoder_calls": len(enc.calls), "decoder_calls": len(dec.calls),
             "latent_frames": int(len(z)), "decoded_samples": int(len(y)),
             "floats": {"audio.f32": _write_f32(out / "audio.f32", [audio]),
                        "encoder_steps.f32": _write_f32(out / "encoder_steps.f32", [a for i, o in enc.calls for a in (*i, *o)]),
                        "decoder_steps.f32": _write_f32(out / "decoder_steps.f32", [a for i, o in dec.calls for a in (*i, *o)]),
                        "latents.f32": _write_f32(out / "latents.f32", [z]),
                        "decoded.f32": _write_f32(out / "decoded.f32", [y])}}
    with atomic_path(out / "trace.json") as t:
        Path(t).write_text(json.dumps(index, indent=1) + "\n")
    return index


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m f3edge.runtimes.golden_trace", description=__doc__.splitlines()[0])
    p.add_argument("--artifact", type=Path)
    p.add_argument("--out", required=True, type=Path)
    p.add_argument("--manifest-cases-from", type=Path, default=None,
                   help="write manifest validation cases (JSON) derived from this manifest.json to --out instead")
    args = p.parse_args(argv)
    if args.manifest_cases_from:
        n = write_manifest_cases(args.manifest_cases_from, args.out)
        print(f"{args.out}: {n} manifest cases", file=sys.stderr)
        return 0
    if args.artifact is None:
        p.error("--artifact is required")
    sr = json.loads((args.artifact / "manifest.json").read_text())["sample_rate"]
    speech = read_audio(str(sample()), sr)
    index = record(args.artifact, args.out, speech[CLIP_OFFSET:CLIP_OFFSET + CLIP_SAMPLES].astype(np.float32))
    print(f"{args.out}: {index['encoder_calls']} encoder and {index['decoder_calls']} decoder calls, "
          f"{index['latent_frames']} latent frames, {index['decoded_samples']} samples", file=sys.stderr)
    return 0



def manifest_cases(base: dict) -> list[dict]:
    """Manifests one edit away from a real export, each with the verdict of `Manifest.from_dict`
    (the one definition of the rules). The Kotlin and Swift cores must reach the same verdicts."""
    import copy
    from .manifest import BOUNDS, STRINGS, PARTS, Manifest, ManifestError

    def case(name, edit):
        m = copy.deepcopy(base)
        edit(m)
        try:
            Manifest.from_dict(copy.deepcopy(m))
            valid = True
        except ManifestError:
            valid = False
        # the text, not an object: a parser must see 16000.0 as written (re-serializing may turn it into 16000)
        return {"name": name, "valid": valid, "manifest_json": json.dumps(m, separators=(",", ":"))}

    def setter(*keys_and_value):
        *keys, value = keys_and_value

        def edit(m):
            d = m
            for k in keys[:-1]:
                d = d[k]
            d[keys[-1]] = value
        return edit

    cases = [case("as exported", lambda m: None)]
    for key in ("sample_rate", "lookahead_frames"):
        _, lo, hi = BOUNDS[key]
        for v in (lo - 1, lo, hi, hi + 1):
            cases.append(case(f"{key}={v}", setter(key, v)))
    for key, bad in (("sample_rate", "16000"), ("sample_rate", 16000.0), ("lookahead_frames", True),
                     ("format_version", 2), ("chunk_samples", 641), ("hop", 641), ("synthesis_delay_samples", 481),
                     ("latent_dim", 65), ("model_id", ""), ("runtime", 3), ("latent_space", "")):
        cases.append(case(f"{key}={bad!r}", setter(key, bad)))
    for key in (*BOUNDS, *STRINGS, *PARTS, "latent_space"):
        cases.append(case(f"no {key}", lambda m, k=key: m.pop(k)))
    for name in ("../encoder.onnx", "/etc/passwd", "a/b.onnx", ".hidden", "", ".."):
        cases.append(case(f"encoder file {name!r}", setter("encoder", "file", name)))
    cases += [
        case("encoder input chunk 641", setter("encoder", "inputs", 0, "shape", [1, 1, 641])),
        case("decoder output [1,1,639]", setter("decoder", "outputs", 0, "shape", [1, 1, 639])),
        case("state shape with 0", setter("encoder", "inputs", 2, "shape", [1, 0, 6])),
        case("state shape negative", setter("decoder", "inputs", 1, "shape", [1, -64, 2])),
        case("state in/out shapes differ", setter("encoder", "outputs", 2, "shape", [1, 128, 7])),
        case("one output missing", lambda m: m["decoder"]["outputs"].pop()),
        case("state shape a string", setter("encoder", "inputs", 1, "shape", "1,1,480")),
        case("huge state", setter("encoder", "inputs", 1, "shape", [1, 1 << 13, 1 << 13])),
    ]
    return cases


def write_manifest_cases(base_manifest: Path, out: Path) -> int:
    base = json.loads(base_manifest.read_text())
    for key in ("npu_readiness", "parity", "full_sequence", "streaming", "sizes_bytes"):   # not what the cases vary
        base.pop(key, None)
    for part in ("encoder", "decoder"):
        for key in ("ops", "spec", "int8_grid_weights"):   # int8_grid_weights: older exports
            base[part].pop(key, None)
    cases = manifest_cases(base)
    with atomic_path(out) as t:
        Path(t).write_text(json.dumps(cases, separators=(",", ":")) + "\n")
    return len(cases)


if __name__ == "__main__":
    sys.exit(main())
