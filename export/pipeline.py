"""`f3edge export`: build a target's artifacts, write the manifest, run the parity gate in the real runtime.

Everything is built in a temp folder beside the destination and renamed into place only if parity
passes, so a failed export leaves no artifact behind.
"""
from __future__ import annotations

import importlib
import os
import shutil
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from f3edge import __version__, targets
from f3edge.errors import F3EdgeInputError
from f3edge.tokenizer import Tokenizer
from f3edge.runtimes import make_runner
from f3edge.runtimes.eager import streaming_contract
from f3edge.runtimes.manifest import Manifest
from f3edge.runtimes.session import Artifact as _Artifact
from f3edge.runtimes.torch_runner import TorchRunner

from .parity import ParityReport, measure_parity
from .steps import DecoderStep, EncoderStep



class ExportError(Exception):
    """The export ran but its artifact failed the parity gate (exit status 1, nothing left behind)."""


def target_module(target: str):
    """The module that builds one target's files (export/<name>.py, `build`, optional `available`/`preflight`)."""
    return importlib.import_module(f"f3edge.export.{targets.get(target).name.replace('-', '_')}")


def build_manifest(tok: Tokenizer, target: str, runtime: str, precision: str, parts: dict, steps: dict) -> Manifest:
    entries = {}
    for part, info in parts.items():
        inputs, outputs = steps[part].io()
        entries[part] = {"file": info.pop("file"), "inputs": [t.to_dict() for t in inputs],
                         "outputs": [t.to_dict() for t in outputs], **info}
    contract = replace(streaming_contract(tok.model), encoder_inputs=tuple(entries["encoder"]["inputs"]),
                       decoder_inputs=tuple(entries["decoder"]["inputs"]))
    return Manifest(model_id=tok.model_id, checkpoint_sha256=tok.sha256, latent_space=tok.cfg.latent_space,
                    target=target, runtime=runtime, precision=precision, contract=contract, parts=entries,
                    reports={"f3edge_version": __version__})


def calibration_clips(tok: Tokenizer, calibration: list[Path] | None) -> list[np.ndarray]:
    from f3edge.quantization.calibration import DEFAULT_CALIBRATION, read_calibration_audio
    return read_calibration_audio(calibration or list(DEFAULT_CALIBRATION), tok.sample_rate)


def calibration_inputs(tok: Tokenizer, clips: list[np.ndarray]) -> dict:
    """Recorded streaming-step inputs of `clips` (real speech through the real streaming loop)."""
    from f3edge.quantization.calibration import record_step_inputs
    return record_step_inputs(tok.model, clips)


def _full_sequence(tok: Tokenizer, folder: Path, manifest: Manifest, precision: str, calib_clips: list[np.ndarray] | None,
                   recipe: str, parity_clips: list[np.ndarray]) -> dict:
    """ONNX only: offline models with a dynamic frame count, under the same parity threshold."""
    from f3edge.runtimes.onnxruntime_runner import OnnxFullSequence
    from .full_sequence import export_onnx, measure_full_parity
    from .parity import THRESHOLDS
    spec = export_onnx(tok.model, folder, precision, calib_clips, recipe)
    manifest.full_sequence = spec
    parity = measure_full_parity(OnnxFullSequence(folder, manifest), tok, parity_clips)
    parity["min_latent_snr_db"] = THRESHOLDS[precision][0]
    parity["passed"] = bool(parity["latent_snr_db"] >= parity["min_latent_snr_db"])
    spec["parity"] = parity
    spec["sizes_bytes"] = {p: _size(folder / spec[p]["file"]) for p in ("encoder", "decoder")}
    return parity


def export_target(tok: Tokenizer, target: str, precision: str, out_dir: Path, parity_clips: list[np.ndarray],
                  calibration: list[Path] | None = None, log=print, recipe: str = "trunk") -> tuple[Path, ParityReport]:
    t = targets.get(target)
    mod = target_module(target)
    precision = t.precision_aliases.get(precision, precision)
    if precision not in t.precisions:
        raise F3EdgeInputError(f"{target} supports precisions {', '.join(t.precisions)}, not {precision}")
    if not tok.is_streaming:
        raise F3EdgeInputError(f"{tok.model_id} is not a streaming student: only students export")
    if hasattr(mod, "available") and not mod.available():
        raise F3EdgeInputError(f"{target} export needs litert-torch: pip install 'f3edge[tflite]'")
    if hasattr(mod, "preflight"):
        mod.preflight(precision)
    steps = {"encoder": EncoderStep(tok.model), "decoder": DecoderStep(tok.model)}
    # W8A8 Core ML calibrates and runs on macOS: its parity runs in the real Core ML runtime, not simulated
    simulated = t.fp16_compute and precision != "w8a8"
    needs_calib = (precision == "int8" and not t.fp16_compute) or precision == "w8a8"
    calib_clips = calibration_clips(tok, calibration) if needs_calib else None
    calib = calibration_inputs(tok, calib_clips) if calib_clips else None
    final = out_dir / f"{target}-{precision}"
    out_dir.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{final.name}.", dir=out_dir))
    try:
        t0 = time.time()
        parts = {p: mod.build(steps[p], tmp, p, precision, calib[p] if calib else None, recipe) for p in steps}
        manifest = build_manifest(tok, t.name, t.runtime, precision, parts, steps)
        reports = manifest.reports
        reports["export_seconds"] = round(time.time() - t0, 1)
        if simulated:
            from .coreml import simulate
            sim = {p: simulate(steps[p], precision, tmp / manifest.parts[p]["file"] if t.weights_readable else None)
                   for p in steps}
            artifact = _Artifact(tmp, manifest, lambda _p, _m, part: TorchRunner(sim[part]))
            reports["parity_runtime"] = ("PyTorch simulation of the device: fp16 arithmetic" +
                                          (", with the W8 weights materialized from the saved package"
                                           if precision == "int8" else "") + " (Core ML cannot predict on Linux)")
            if precision == "int8" and t.weights_readable:
                reports["w8_weights_materialized"] = {p: list(sim[p].w8_matched) for p in steps}
        else:
            artifact = _Artifact(tmp, manifest, make_runner)
            reports["parity_runtime"] = manifest.runtime
        try:
            report = measure_parity(artifact, tok, parity_clips, precision)
        except F3EdgeInputError as e:   # the runtime refused an artifact we just built: an export failure
            raise ExportError(f"{target}-{precision}: the runtime cannot run the artifact: {e}") from None
        reports["parity"] = report.to_dict()
        full = (_full_sequence(tok, tmp, manifest, precision, calib_clips, recipe, parity_clips)
                if t.full_sequence else None)
        reports["sizes_bytes"] = {p: _size(tmp / manifest.parts[p]["file"]) for p in steps}
        from .npu import report as npu_report
        reports["npu_readiness"] = {p: npu_report(target, dict(manifest.parts[p], name=p), steps[p], tok,
                                                   parity_clips[0] if p == "encoder" else None) for p in steps}
        manifest.seal(tmp).write(tmp)
        if not report.passed:
            raise ExportError(f"{target}-{precision}: parity FAILED: {report.summary()}")
        if full is not None and not full["passed"]:
            raise ExportError(f"{target}-{precision}: full-sequence parity FAILED: latent SNR "
                              f"{full['latent_snr_db']:.1f} dB < {full['min_latent_snr_db']:g}")
        if final.exists():
            shutil.rmtree(final)
        os.chmod(tmp, 0o755)   # mkdtemp makes a private folder; an export is meant to be shared
        tmp.rename(final)
        log(f"{final}: parity ok: {report.summary()}"
            + (f"; full-sequence latent SNR {full['latent_snr_db']:.1f} dB" if full else ""))
        return final, report
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


def _size(path: Path) -> int:
    if path.is_dir():
        return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())
    return path.stat().st_size
