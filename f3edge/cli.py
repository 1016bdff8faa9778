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

from . import targets
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


def _encode_file(codec, path: str) -> tuple[np.ndarray, int]:
    from .audio import audio_info
    from .tokenizer import encode_file
    bar = _progress(audio_info(path).duration, "s") if codec.is_streaming else None
    try:
        return encode_file(codec, path, bar.update if bar is not None else None)
    finally:
        if bar is not None:
            bar.close()


def _load(a):
    """The PyTorch model (--model) or an exported artifact (--runtime R --artifact DIR)."""
    if getattr(a, "artifact", None) and getattr(a, "runtime", None) in (None, "torch"):
        raise UsageError("--artifact needs --runtime (onnx, executorch, tflite, coreml)")
    if getattr(a, "runtime", None) and a.runtime != "torch":
        if not a.artifact:
            raise UsageError("--runtime needs --artifact DIR (an f3edge export folder)")
        from .runtimes import open as open_artifact
        art = open_artifact(a.artifact)
        if art.manifest.runtime != targets.get(a.runtime).runtime:
            raise UsageError(f"{a.artifact}: is a {art.manifest.runtime} artifact, not {a.runtime}")
        return art.load()
    from . import load
    return load(a.model)


def cmd_encode(a) -> int:
    from .latents import LatentFile, save_latents
    out = _check_output(a.input, a.output)
    tok = _load(a)
    z, n = _encode_file(tok, a.input)
    save_latents(out, LatentFile(z, tok.sample_rate, tok.frame_rate, tok.model_id, tok.sha256, n, tok.latent_space))
    print(f"{out}: {z.shape[0]} frames x {z.shape[1]} ({n / tok.sample_rate:.2f} s, model {tok.model_id})")
    return 0


def cmd_represent(a) -> int:
    from .representation import representer_for
    out = _check_output(a.input, a.output)
    tok = _load(a)
    rep = representer_for(tok, a.representation)
    z, n = _encode_file(tok, a.input)
    feats = rep.features(z)
    rep.save_features(out, feats, tok, n)
    print(f"{out}: {feats.shape[0]} frames x {feats.shape[1]} features ({n / tok.sample_rate:.2f} s, "
          f"{tok.model_id} latents -> {rep.model_id})")
    return 0


def cmd_export_repr(a) -> int:
    from . import load
    from .audio import read_audio
    from .export.representation import export_representation_onnx
    from .representation import representer_for
    from .samples_path import sample
    tok = load(a.model)
    rep = representer_for(tok, a.representation)
    clips = [read_audio(p, tok.sample_rate, min_samples=tok.hop) for p in (a.parity_data or [str(sample())])]
    from .export.pipeline import ExportError
    try:
        export_representation_onnx(rep, Path(a.output), [tok.encode(x) for x in clips],
                                   log=lambda m: print(m, flush=True))
    except ExportError as e:
        print(f"f3edge: {e}", file=sys.stderr)
        return EXIT_INTERNAL
    return 0


def cmd_average_repr(a) -> int:
    from .representation_average import save_average
    if Path(a.output).exists() and not a.force:
        raise UsageError(f"{a.output}: exists (pass --force to replace it)")
    out = save_average(a.checkpoints, a.output)
    print(f"{out}: the mean of {len(a.checkpoints)} representation encoders' weights")
    return 0


def cmd_decode(a) -> int:
    from .audio import write_audio
    from .latents import check_decodable, load_latents
    out = _check_output(a.input, a.output)
    tok = _load(a)
    lf = load_latents(a.input, tok.latent_dim)
    check_decodable(lf, a.input, tok, a.force)
    y = tok.decode(lf.latents, num_samples=lf.num_samples if lf.num_samples > 0 else None)
    write_audio(out, y, tok.sample_rate)
    print(f"{out}: {len(y) / tok.sample_rate:.2f} s at {tok.sample_rate} Hz from {len(lf.latents)} frames")
    return 0


def cmd_reconstruct(a) -> int:
    from .audio import write_audio
    from .latents import LatentFile, save_latents
    out = _check_output(a.input, a.output)
    latents_out = _check_output(a.input, a.latents) if a.latents else None
    if latents_out is not None and _same_file(out, latents_out):
        raise UsageError(f"{a.latents}: the latents and the audio cannot be the same file")
    tok = _load(a)
    z, n = _encode_file(tok, a.input)
    y = tok.decode(z, num_samples=n)
    write_audio(out, y, tok.sample_rate)
    if latents_out is not None:
        try:
            save_latents(latents_out, LatentFile(z, tok.sample_rate, tok.frame_rate, tok.model_id, tok.sha256, n,
                                                 tok.latent_space))
        except BaseException:
            out.unlink(missing_ok=True)   # both outputs or neither
            raise
        print(f"latents: {a.latents} ({z.shape[0]} x {z.shape[1]})")
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


def cmd_train_repr(a) -> int:
    from .training import train
    cfg = _train_config(a)
    if not cfg.teacher:
        raise UsageError("train-repr needs --teacher: the frozen model whose latents it reads")
    out = train(cfg, recipe="repr")
    if out:
        print(f"checkpoint: {out}")
    return 0


def cmd_eval(a) -> int:
    from . import load
    from .evaluation import evaluate, speech_clips, to_markdown, write_report
    tok = load(a.model)
    teacher = load(a.teacher) if a.teacher else None
    clips = speech_clips(a.data)
    if not clips:
        raise UsageError(f"{a.data}: no speech clips found")
    if a.limit:
        clips = clips[: a.limit]
    bar = _progress(len(clips), "file")
    result = evaluate(tok, clips, teacher=teacher, progress=(lambda r: bar.update(1)) if bar else None)
    if bar is not None:
        bar.close()
    if a.json:
        j, m = write_report(result, a.json)
        print(f"report: {j} and {m}")
    print(to_markdown(result).split("\n\n")[1])
    return 0


def cmd_export(a) -> int:
    from . import load
    from .audio import read_audio
    from .export.pipeline import ExportError, export_target
    tok = load(a.model)
    chosen = list(targets.TARGETS) if a.target == "all" else [a.target]
    from .samples_path import sample
    parity_files = a.parity_data or [str(sample())]
    clips = [read_audio(p, tok.sample_rate, min_samples=tok.hop) for p in parity_files]
    failed = []
    for target in chosen:
        try:
            export_target(tok, target, a.precision, Path(a.output), clips, calibration=a.calibration,
                          log=lambda m: print(m, flush=True))
        except ExportError as e:
            print(f"f3edge: {e}", file=sys.stderr)
            failed.append(target)
        except F3EdgeInputError as e:
            if len(chosen) == 1:
                raise
            print(f"f3edge: {target} skipped: {e}", file=sys.stderr)
            failed.append(target)
    return EXIT_INTERNAL if failed else 0


def cmd_data_build(a) -> int:
    from .data.corpus import build_corpus
    manifest = build_corpus(a.out, packages=a.packages.split(",") if a.packages else None,
                            sample_rate=a.sample_rate)
    print(f"manifest: {manifest}")
    return 0


def cmd_data_shard(a) -> int:
    from .data.shard import build_shard
    print(f"manifest: {build_shard(a.corpus, a.out, a.max_mib, a.seed)}")
    return 0


def cmd_data_transcribe(a) -> int:
    from .data import load_clips, training_split
    from .lm.transcripts import pseudo_label
    try:
        clips = [c.path for c in training_split(load_clips(a.corpus)) if c.lang == "en"]
    except FileNotFoundError as e:
        raise UsageError(str(e)) from None
    if not clips:
        raise UsageError(f"{a.corpus}: no English training clips to transcribe")
    out = Path(a.out) if a.out else Path(a.corpus) / "transcripts.whisper-tiny-en.json"
    bar = _progress(len(clips), "clip")
    done = pseudo_label(clips, out, (lambda i, n: bar.update(1)) if bar is not None else None)
    if bar is not None:
        bar.close()
    print(f"{out}: {sum(1 for p in clips if done.get(p))} of {len(clips)} English clips transcribed")
    return 0


def cmd_data_texts(a) -> int:
    from .data import load_clips, training_split
    from .data.package_texts import TEXT_SOURCES, clips_of, package_transcripts
    from .lm.transcripts import write_transcripts
    try:
        clips = training_split(load_clips(a.corpus))
    except FileNotFoundError as e:
        raise UsageError(str(e)) from None
    sources = a.source or list(TEXT_SOURCES)
    todo = {s: clips_of(s, clips) for s in sources}
    if not any(todo.values()):
        raise UsageError(f"{a.corpus}: none of its training clips comes from a package with its own texts "
                         f"({', '.join(p for s in sources for p in TEXT_SOURCES[s].VOICE_PACKAGES)})")
    debs = Path(a.corpus) / "debs"
    debs.mkdir(parents=True, exist_ok=True)
    for source, mine in todo.items():
        if not mine:
            continue
        done = package_transcripts(source, mine, debs)
        out = Path(a.corpus) / f"transcripts.{source}.json"
        write_transcripts(out, done)
        hours = sum(c.seconds for c in mine if c.path in done) / 3600
        print(f"{out}: {len(done)} of {len(mine)} clips ({hours:.2f} h) transcribed from the package's own texts")
    return 0


def cmd_data_synth(a) -> int:
    import subprocess
    from .data.fortune_texts import TEXT_PACKAGES, fortune_sentences
    from .data.synthetic_speech import SynthesisUnavailable, require_voice, synthesize
    if not 0 < a.hours <= 100 or a.jobs < 1 or not 1.0 <= a.max_seconds <= 30.0:
        raise UsageError("--hours must be in (0, 100], --jobs >= 1 and --max-seconds in [1, 30]")
    try:
        require_voice()
    except SynthesisUnavailable as e:
        raise UsageError(str(e)) from None
    debs = Path(a.out) / "debs"
    debs.mkdir(parents=True, exist_ok=True)
    try:
        sentences = fortune_sentences(debs)
    except (subprocess.CalledProcessError, RuntimeError) as e:
        raise UsageError(f"could not fetch the texts ({', '.join(TEXT_PACKAGES)}) with apt-get: {e}") from None
    bar = _progress(a.hours, "h")
    progress = (lambda done, _target: bar.update(round(done - bar.n, 3))) if bar is not None else None
    r = synthesize(a.out, sentences, a.hours, a.jobs, a.max_seconds, seed=a.seed, progress=progress)
    if bar is not None:
        bar.close()
    print(f"{r['transcripts']}: {r['clips']} clips, {r['hours']:.2f} h from {len(sentences)} fortune sentences "
          f"({r['too_long']} longer than {a.max_seconds} s left out)")
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="f3edge", description="F3-style audio tokenizer for phones")
    sub = p.add_subparsers(dest="command", required=True)

    def add_model(sp):
        sp.add_argument("--model", default=None, help="bundled model name or checkpoint folder (default: bundled student)")

    def add_runtime(sp):
        sp.add_argument("--runtime", default=None, choices=["torch", *targets.TARGETS],
                        help="run an exported artifact instead of the PyTorch model")
        sp.add_argument("--artifact", default=None, help="export folder holding manifest.json")

    sp = sub.add_parser("encode", help="audio file -> latents .npz")
    sp.add_argument("input"); sp.add_argument("-o", "--output", required=True); add_model(sp); add_runtime(sp)
    sp.set_defaults(func=cmd_encode)

    sp = sub.add_parser("represent", help="audio file -> features for understanding .npz (representation encoder)")
    sp.add_argument("input"); sp.add_argument("-o", "--output", required=True); add_model(sp)
    sp.add_argument("--representation", help="a representation checkpoint (from `f3edge train-repr`) or bundled name "
                                             "(default: the one bundled for the model's latent space)")
    sp.set_defaults(func=cmd_represent)

    sp = sub.add_parser("export-repr", help="export the representation encoder's streaming step to ONNX (parity gate)")
    sp.add_argument("--representation", help="checkpoint or bundled name (default: the one bundled for the model's "
                                             "latent space)")
    sp.add_argument("-o", "--output", required=True)
    sp.add_argument("--parity-data", nargs="+", default=None); add_model(sp)
    sp.set_defaults(func=cmd_export_repr)

    sp = sub.add_parser("average-repr", help="average the weights of representation runs from one start (model soup)")
    sp.add_argument("checkpoints", nargs="+", help="two or more checkpoint folders of `f3edge train-repr` runs")
    sp.add_argument("-o", "--output", required=True, help="folder for the averaged checkpoint")
    sp.add_argument("--force", action="store_true", help="replace an existing output folder")
    sp.set_defaults(func=cmd_average_repr)

    sp = sub.add_parser("decode", help="latents .npz -> audio file")
    sp.add_argument("input"); sp.add_argument("-o", "--output", required=True); add_model(sp); add_runtime(sp)
    sp.add_argument("--force", action="store_true", help="decode latents made by another model")
    sp.set_defaults(func=cmd_decode)

    sp = sub.add_parser("reconstruct", help="audio -> latents -> audio")
    sp.add_argument("input"); sp.add_argument("-o", "--output", required=True); add_model(sp); add_runtime(sp)
    sp.add_argument("--latents", default=None, help="also save the latents here (.npz)")
    sp.set_defaults(func=cmd_reconstruct)

    sp = sub.add_parser("info", help="model parameters, sizes, rates and latency")
    add_model(sp); sp.set_defaults(func=cmd_info)

    for name, func, help_ in (("train", cmd_train, "train a teacher (or a student from scratch)"),
                              ("distill", cmd_distill, "distill a causal student from a teacher"),
                              ("train-repr", cmd_train_repr,
                               "train the representation encoder (RQ-MTP) on a frozen model's latents")):
        sp = sub.add_parser(name, help=help_)
        sp.add_argument("--config", required=True, help="training config JSON (see configs/)")
        sp.add_argument("--data", default=None); sp.add_argument("--out", default=None)
        sp.add_argument("--steps", type=int, default=None); sp.add_argument("--threads", type=int, default=None)
        sp.add_argument("--time-limit", type=float, default=None, help="minutes; stop with a checkpoint")
        if name in ("distill", "train-repr"):
            sp.add_argument("--teacher", default=None)
        sp.set_defaults(func=func)

    sp = sub.add_parser("eval", help="quality on a folder or manifest of speech (PESQ, STOI, log-mel, SI-SDR)")
    sp.add_argument("--data", required=True, help="folder of audio, folder with manifest.tsv, or a manifest")
    add_model(sp)
    sp.add_argument("--teacher", default=None, help="also measure latent SNR and cross-decoding against this model")
    sp.add_argument("--json", default=None, help="write the JSON report here (and a .md beside it)")
    sp.add_argument("--limit", type=int, default=0, help="evaluate only the first N clips")
    sp.set_defaults(func=cmd_eval)

    sp = sub.add_parser("export", help="export the streaming student for on-device runtimes (with parity gate)")
    sp.add_argument("--target", required=True, choices=[*targets.TARGETS, "all"])
    sp.add_argument("--precision", default="fp32", choices=["fp32", "fp16", "int8", "w8a8"],
                    help="int8: per target's int8 recipe (Core ML: W8 weights); w8a8: Core ML only, on macOS")
    sp.add_argument("-o", "--output", required=True, help="folder; each target lands in OUT/<target>-<precision>/")
    add_model(sp)
    sp.add_argument("--calibration", nargs="+", default=None, help="speech files for int8 calibration")
    sp.add_argument("--parity-data", nargs="+", default=None, help="speech files for the parity check")
    sp.set_defaults(func=cmd_export)

    sp = sub.add_parser("data", help="training data")
    dsub = sp.add_subparsers(dest="data_command", required=True)
    b = dsub.add_parser("build", help="build the Debian real-speech corpus (apt download, 16 kHz mono, manifest)")
    b.add_argument("out"); b.add_argument("--packages", default=None, help="comma-separated subset")
    b.add_argument("--sample-rate", type=int, default=16000)
    b.set_defaults(func=cmd_data_build)
    sh = dsub.add_parser("shard", help="a seeded sample of the training split as FLAC, small enough to carry to a GPU")
    sh.add_argument("corpus"); sh.add_argument("out")
    sh.add_argument("--max-mib", type=float, default=60.0); sh.add_argument("--seed", type=int, default=0)
    sh.set_defaults(func=cmd_data_shard)
    tr = dsub.add_parser("transcribe", help="Whisper tiny.en pseudo-labels of the English training clips (frozen-LM "
                                            "supervision), cached as JSON")
    tr.add_argument("corpus"); tr.add_argument("--out", default=None, help="default: CORPUS/transcripts.whisper-tiny-en.json")
    tr.set_defaults(func=cmd_data_transcribe)
    tx = dsub.add_parser("texts", help="real transcripts from the packages' own texts (Fillets NG dialog scripts: "
                                       "Czech/Dutch; Tux Paint stamp descriptions: 14 languages), for frozen-LM "
                                       "supervision with the multilingual Whisper base")
    tx.add_argument("corpus")
    tx.add_argument("--source", nargs="*", choices=["dialogs", "stamps"], help="default: all; writes "
                    "CORPUS/transcripts.<source>.json")
    tx.set_defaults(func=cmd_data_texts)
    sy = dsub.add_parser("synth", help="English text+speech pairs synthesized with the Piper voice from the fortunes "
                                       "package's sentences (frozen-LM supervision), written beside the corpus")
    sy.add_argument("out"); sy.add_argument("--hours", type=float, default=2.0)
    sy.add_argument("--jobs", type=int, default=1, help="processes, one thread each")
    sy.add_argument("--max-seconds", type=float, default=5.0, help="longer clips are left out (the LM objective "
                    "takes whole clips no longer than the training crop)")
    sy.add_argument("--seed", type=int, default=0)
    sy.set_defaults(func=cmd_data_synth)
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
    except OSError as e:   # the environment refused (read-only or full disk, missing tool): not a bug of ours
        where = f"{e.filename}: " if getattr(e, "filename", None) else ""
        print(f"f3edge: error: {where}{e.strerror or e}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except Exception as e:  # noqa: BLE001 - the CLI's contract is one line, not a traceback
        if os.environ.get("F3EDGE_DEBUG"):
            raise
        print(f"f3edge: internal error: {type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}",
              file=sys.stderr)
        return EXIT_INTERNAL


if __name__ == "__main__":
    sys.exit(main())
