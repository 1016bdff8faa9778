"""`f3edge` command line: a thin layer over the library.

Bad input -> one line on stderr, exit 2. Internal errors -> one line, exit 1 (F3EDGE_DEBUG=1 for the traceback).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

import numpy as np

from .errors import F3EdgeInputError

EXIT_BAD_INPUT, EXIT_INTERNAL = 2, 1


class UsageError(F3EdgeInputError):
    pass


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve()
    except OSError:
        return False


def _check_output(inp: str, out: str) -> Path:
    o = Path(out)
    if _same_file(Path(inp), o):
        raise UsageError(f"{out}: refusing to overwrite the input file")
    if o.is_dir():
        raise UsageError(f"{out}: is a directory")
    return o


def _progress(total: float | None, unit: str):
    if not sys.stderr.isatty():
        return None
    from tqdm import tqdm
    return tqdm(total=total, unit=unit, dynamic_ncols=True, leave=False)


def _encode_file(tok, path: str) -> tuple[np.ndarray, int]:
    """Stream a file through the encoder in blocks (bounded memory). Returns latents and sample count."""
    from .audio import audio_info, iter_audio_blocks, read_audio
    from .errors import AudioTooShort
    if not tok.is_streaming:
        x = read_audio(path, tok.sample_rate, min_samples=tok.hop)
        return tok.encode(x), len(x)
    info = audio_info(path)
    bar = _progress(info.frames / info.samplerate, "s")
    parts, n = [], 0
    with tok.stream() as s:
        for block in iter_audio_blocks(path, tok.sample_rate):
            parts.append(s.push(block))
            n += len(block)
            if bar is not None:
                bar.update(len(block) / tok.sample_rate)
        if n < tok.hop:
            raise AudioTooShort(f"{path}: {n} samples at {tok.sample_rate} Hz is shorter than one frame "
                                f"({tok.hop} samples)")
        parts.append(s.flush())
    if bar is not None:
        bar.close()
    return np.concatenate(parts, axis=0), n


def cmd_encode(a) -> int:
    from . import load
    from .latents import LatentFile, save_latents
    out = _check_output(a.input, a.output)
    tok = load(a.model)
    z, n = _encode_file(tok, a.input)
    save_latents(out, LatentFile(z, tok.sample_rate, tok.frame_rate, tok.model_id, tok.sha256, n))
    print(f"{out}: {z.shape[0]} frames x {z.shape[1]} ({n / tok.sample_rate:.2f} s, model {tok.model_id})")
    return 0


def cmd_decode(a) -> int:
    from . import load
    from .audio import write_audio
    from .errors import LatentFileError
    from .latents import load_latents
    out = _check_output(a.input, a.output)
    tok = load(a.model)
    lf = load_latents(a.input, tok.latent_dim)
    if lf.model_sha256 != tok.sha256 and not a.force:
        raise LatentFileError(f"{a.input}: latents were made by {lf.model_id} ({lf.model_sha256[:12]}), not by "
                              f"{tok.model_id} ({tok.sha256[:12]}); pass --force to decode anyway")
    y = tok.decode(lf.latents, num_samples=lf.num_samples if lf.num_samples > 0 else None)
    write_audio(out, y, tok.sample_rate)
    print(f"{out}: {len(y) / tok.sample_rate:.2f} s at {tok.sample_rate} Hz from {len(lf.latents)} frames")
    return 0


def cmd_reconstruct(a) -> int:
    from . import load
    from .audio import write_audio
    from .latents import LatentFile, save_latents
    out = _check_output(a.input, a.output)
    tok = load(a.model)
    z, n = _encode_file(tok, a.input)
    y = tok.decode(z, num_samples=n)
    if a.latents:
        save_latents(_check_output(a.input, a.latents),
                     LatentFile(z, tok.sample_rate, tok.frame_rate, tok.model_id, tok.sha256, n))
        print(f"latents: {a.latents} ({z.shape[0]} x {z.shape[1]})")
    write_audio(out, y, tok.sample_rate)
    print(f"audio:   {out} ({len(y) / tok.sample_rate:.2f} s at {tok.sample_rate} Hz, model {tok.model_id})")
    return 0


def cmd_info(a) -> int:
    from . import available_models, load
    tok = load(a.model)
    info = tok.info()
    info["bundled_models"] = available_models()
    print(json.dumps(info, indent=2))
    return 0


def _train_config(a):
    from .training import TrainConfig
    overrides = {"data": a.data, "out": a.out, "steps": a.steps, "threads": a.threads,
                 "time_limit_minutes": a.time_limit}
    if getattr(a, "teacher", None):
        overrides["teacher"] = a.teacher
    if not Path(a.config).is_file():
        raise UsageError(f"{a.config}: no such training config")
    try:
        return TrainConfig.from_file(a.config, **overrides)
    except (ValueError, TypeError) as e:
        raise UsageError(f"{a.config}: {e}") from None


def cmd_train(a) -> int:
    from .training import train
    out = train(_train_config(a), distill=False)
    if out:
        print(f"checkpoint: {out}")
    return 0


def cmd_distill(a) -> int:
    from .training import train
    cfg = _train_config(a)
    if not cfg.teacher:
        raise UsageError("distill needs --teacher (a checkpoint folder or bundled model name)")
    out = train(cfg, distill=True)
    if out:
        print(f"checkpoint: {out}")
    return 0


def cmd_data_build(a) -> int:
    from .data.corpus import build_corpus
    manifest = build_corpus(a.out, packages=a.packages.split(",") if a.packages else None,
                            sample_rate=a.sample_rate)
    print(f"manifest: {manifest}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="f3edge", description="F3-style audio tokenizer for phones")
    sub = p.add_subparsers(dest="command", required=True)

    def add_model(sp):
        sp.add_argument("--model", default=None, help="bundled model name or checkpoint folder (default: bundled student)")

    sp = sub.add_parser("encode", help="audio file -> latents .npz")
    sp.add_argument("input"); sp.add_argument("-o", "--output", required=True); add_model(sp)
    sp.set_defaults(func=cmd_encode)

    sp = sub.add_parser("decode", help="latents .npz -> audio file")
    sp.add_argument("input"); sp.add_argument("-o", "--output", required=True); add_model(sp)
    sp.add_argument("--force", action="store_true", help="decode latents made by another model")
    sp.set_defaults(func=cmd_decode)

    sp = sub.add_parser("reconstruct", help="audio -> latents -> audio")
    sp.add_argument("input"); sp.add_argument("-o", "--output", required=True); add_model(sp)
    sp.add_argument("--latents", default=None, help="also save the latents here (.npz)")
    sp.set_defaults(func=cmd_reconstruct)

    sp = sub.add_parser("info", help="model parameters, sizes, rates and latency")
    add_model(sp); sp.set_defaults(func=cmd_info)

    for name, func, help_ in (("train", cmd_train, "train a teacher (or a student from scratch)"),
                              ("distill", cmd_distill, "distill a causal student from a teacher")):
        sp = sub.add_parser(name, help=help_)
        sp.add_argument("--config", required=True, help="training config JSON (see configs/)")
        sp.add_argument("--data", default=None); sp.add_argument("--out", default=None)
        sp.add_argument("--steps", type=int, default=None); sp.add_argument("--threads", type=int, default=None)
        sp.add_argument("--time-limit", type=float, default=None, help="minutes; stop with a checkpoint")
        if name == "distill":
            sp.add_argument("--teacher", default=None)
        sp.set_defaults(func=func)

    sp = sub.add_parser("data", help="training data")
    dsub = sp.add_subparsers(dest="data_command", required=True)
    b = dsub.add_parser("build", help="build the Debian real-speech corpus (apt download, 16 kHz mono, manifest)")
    b.add_argument("out"); b.add_argument("--packages", default=None, help="comma-separated subset")
    b.add_argument("--sample-rate", type=int, default=16000)
    b.set_defaults(func=cmd_data_build)
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except F3EdgeInputError as e:
        print(f"f3edge: error: {e}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("f3edge: interrupted", file=sys.stderr)
        return 130
    except Exception as e:  # noqa: BLE001 - the CLI's contract is one line, not a traceback
        if os.environ.get("F3EDGE_DEBUG"):
            raise
        print(f"f3edge: internal error: {type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}",
              file=sys.stderr)
        return EXIT_INTERNAL


if __name__ == "__main__":
    sys.exit(main())
