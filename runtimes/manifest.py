"""manifest.json: everything a runtime (or a phone app) needs to feed an exported model, as one dataclass.

`Manifest` is the schema: the exporter builds one, `write` serializes it, `read` parses and validates it as
untrusted input (every number has a type and a bound, every model file is a plain name inside the artifact
folder, and each file's sha256 and size, recorded at export by `seal`, are checked before any runtime sees
the file). `StreamingContract` is the part the streaming sessions read, with the push/flush rules as data.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from f3edge.errors import F3EdgeInputError

FORMAT_VERSION = 1
MANIFEST = "manifest.json"
MAX_MANIFEST_BYTES = 4 << 20
DEFAULT_LATENT_SPACE = "f3-v1"     # manifests written before latent spaces were versioned
PARTS = ("encoder", "decoder")
# key -> (type, min, max): what a runtime allocates from these must stay bounded
BOUNDS = {
    "format_version": (int, 1, 1000),
    "sample_rate": (int, 8000, 192000),
    "hop": (int, 1, 96000),
    "chunk_samples": (int, 1, 96000),
    "lookahead_frames": (int, 0, 8),
    "latent_dim": (int, 1, 4096),
    "synthesis_delay_samples": (int, 0, 96000),
}
STRINGS = ("model_id", "checkpoint_sha256", "target", "runtime", "precision")
MAX_TENSOR_ELEMENTS = 1 << 24
LATENT_NORMALIZATION = ("per-frame channel normalization: each latent frame has zero mean and unit variance over "
                        "its latent_dim channels")


class ManifestError(F3EdgeInputError):
    pass


@dataclass(frozen=True)
class StreamingContract:
    """What a streaming session needs: the chunk/frame geometry, each step's inputs ([x, *states]), and the
    push/flush rules, which `rules()` writes into the manifest as numbers (the Kotlin and Swift cores apply
    the same ones). One encoder call takes `chunk_samples` of audio and gives one latent frame; one decoder
    call takes one frame and gives `chunk_samples` of audio. States start at zeros and each call's
    outputs[1:] are the next call's inputs[1:]."""
    sample_rate: int
    chunk_samples: int
    latent_dim: int
    lookahead_frames: int
    synthesis_delay_samples: int
    encoder_inputs: tuple = ()     # ({"name", "shape"}, ...): the audio chunk, then the encoder's states
    decoder_inputs: tuple = ()     # the latent frame, then the decoder's states

    @property
    def encoder_warmup_frames(self) -> int:
        """Leading encoder outputs that are warm-up, not latents (the lookahead's delay)."""
        return self.lookahead_frames

    @property
    def encoder_flush_zero_chunks(self) -> int:
        """Zero chunks run at end of stream (after zero-padding the last partial chunk) to emit the lookahead."""
        return self.lookahead_frames

    @property
    def decoder_delay_samples(self) -> int:
        """Leading decoder output samples to drop; at end of stream the last state holds this many samples."""
        return self.synthesis_delay_samples

    def rules(self) -> dict:
        return {"encoder": {"samples_per_call": self.chunk_samples, "warmup_outputs": self.encoder_warmup_frames,
                            "flush_pads_last_chunk_with_zeros": True,
                            "flush_zero_chunks": self.encoder_flush_zero_chunks},
                "decoder": {"frames_per_call": 1, "drop_leading_samples": self.decoder_delay_samples,
                            "flush_emits_last_state": True},
                "states": {"initial_value": 0.0, "outputs_after_the_first_feed_the_next_call": True}}


@dataclass
class Manifest:
    model_id: str
    checkpoint_sha256: str
    latent_space: str
    target: str
    runtime: str
    precision: str
    contract: StreamingContract
    parts: dict                    # "encoder"/"decoder" -> {"file", "inputs", "outputs", "sha256", "bytes", ...}
    full_sequence: dict | None = None
    reports: dict = field(default_factory=dict)   # parity, sizes, NPU readiness...: for people, not runtimes
    format_version: int = FORMAT_VERSION

    # --- the streaming geometry, by the names runtimes use ---
    @property
    def sample_rate(self) -> int:
        return self.contract.sample_rate

    @property
    def hop(self) -> int:
        return self.contract.chunk_samples

    @property
    def latent_dim(self) -> int:
        return self.contract.latent_dim

    @property
    def frame_rate(self) -> float:
        return self.contract.sample_rate / self.contract.chunk_samples

    def entries(self) -> list[tuple[str, dict]]:
        """Every model-file entry: the streaming steps and any full-sequence models."""
        out = [(p, self.parts[p]) for p in PARTS]
        if isinstance(self.full_sequence, dict):
            out += [(f"full_sequence.{p}", self.full_sequence[p]) for p in PARTS
                    if isinstance(self.full_sequence.get(p), dict)]
        return out

    def to_dict(self) -> dict:
        c = self.contract
        out = {"format_version": self.format_version, **_version_stamp(self.reports),
               "model_id": self.model_id, "checkpoint_sha256": self.checkpoint_sha256,
               "latent_space": self.latent_space, "target": self.target, "runtime": self.runtime,
               "precision": self.precision, "sample_rate": c.sample_rate, "hop": c.chunk_samples,
               "chunk_samples": c.chunk_samples, "frame_rate_hz": self.frame_rate,
               "lookahead_frames": c.lookahead_frames, "latent_dim": c.latent_dim,
               "latent_normalization": LATENT_NORMALIZATION, "synthesis_delay_samples": c.synthesis_delay_samples,
               "streaming": c.rules(), **{p: self.parts[p] for p in PARTS}}
        if self.full_sequence is not None:
            out["full_sequence"] = self.full_sequence
        out.update({k: v for k, v in self.reports.items() if k not in out})
        return out

    @classmethod
    def from_dict(cls, m, path: Path = Path(MANIFEST)) -> "Manifest":
        """Validate an untrusted manifest object (without touching any file)."""
        _validate(m, path)
        contract = StreamingContract(
            sample_rate=m["sample_rate"], chunk_samples=m["chunk_samples"], latent_dim=m["latent_dim"],
            lookahead_frames=m["lookahead_frames"], synthesis_delay_samples=m["synthesis_delay_samples"],
            encoder_inputs=tuple(m["encoder"]["inputs"]), decoder_inputs=tuple(m["decoder"]["inputs"]))
        _check_rules(path, m.get("streaming"), contract)
        known = {"format_version", "model_id", "checkpoint_sha256", "latent_space", "target", "runtime",
                 "precision", *BOUNDS, "frame_rate_hz", "latent_normalization", "streaming", *PARTS, "full_sequence"}
        full = m.get("full_sequence")
        manifest = cls(model_id=m["model_id"], checkpoint_sha256=m["checkpoint_sha256"],
                       latent_space=m.get("latent_space", DEFAULT_LATENT_SPACE), target=m["target"],
                       runtime=m["runtime"], precision=m["precision"], contract=contract,
                       parts={p: m[p] for p in PARTS}, full_sequence=full if isinstance(full, dict) else None,
                       reports={k: v for k, v in m.items() if k not in known}, format_version=m["format_version"])
        for where, entry in manifest.entries():
            _plain_name(path, where, entry.get("file"))
        return manifest

    @classmethod
    def read(cls, artifact_dir: str | Path, verify_files: bool = True) -> "Manifest":
        d = Path(artifact_dir)
        path = d / MANIFEST
        if not d.is_dir():
            raise ManifestError(f"{d}: no such artifact folder")
        if not path.is_file():
            raise ManifestError(f"{d}: no {MANIFEST} (not an f3edge export)")
        if path.stat().st_size > MAX_MANIFEST_BYTES:
            raise ManifestError(f"{path}: implausibly large manifest")
        try:
            m = json.loads(path.read_text())
        except json.JSONDecodeError as e:
            raise ManifestError(f"{path}: malformed JSON ({e.msg} at line {e.lineno})") from None
        except (UnicodeDecodeError, RecursionError):
            raise ManifestError(f"{path}: not a JSON text file") from None
        manifest = cls.from_dict(m, path)
        for where, entry in manifest.entries():
            _verify_file(d, where, entry, verify_files)
        return manifest

    def seal(self, artifact_dir: str | Path) -> "Manifest":
        """Record each model file's sha256 and size (at export, before writing)."""
        d = Path(artifact_dir)
        for _, entry in self.entries():
            entry["sha256"], entry["bytes"] = file_digest(d / entry["file"])
        return self

    def write(self, artifact_dir: str | Path) -> Path:
        from f3edge.audio import atomic_path
        path = Path(artifact_dir) / MANIFEST
        with atomic_path(path) as t:
            Path(t).write_text(json.dumps(self.to_dict(), indent=2))
        return path


def _version_stamp(reports: dict) -> dict:
    return {"f3edge_version": reports["f3edge_version"]} if "f3edge_version" in reports else {}


def file_digest(path: Path) -> tuple[str, int]:
    """sha256 and byte count of a model file, or of a folder (a Core ML .mlpackage): its files in sorted
    relative-path order, each name hashed before its bytes."""
    h = hashlib.sha256()
    files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
    total = 0
    for f in files:
        if f is not path:
            h.update(f.relative_to(path).as_posix().encode() + b"\0")
        with open(f, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                h.update(block)
                total += len(block)
    return h.hexdigest(), total


def _plain_name(path: Path, where: str, name) -> str:
    if not isinstance(name, str) or not name or name in (".", "..") or "/" in name or "\\" in name \
            or "\0" in name or name.startswith("."):
        raise ManifestError(f"{path}: {where} file {name!r} must be a plain file name inside the artifact folder")
    return name


def _check_tensor(path: Path, part: str, t) -> None:
    if not isinstance(t, dict) or not isinstance(t.get("name"), str):
        raise ManifestError(f"{path}: {part} has a malformed tensor entry")
    shape = t.get("shape")
    if not isinstance(shape, list) or not shape or not all(type(v) is int and 0 < v <= MAX_TENSOR_ELEMENTS for v in shape):
        raise ManifestError(f"{path}: {part} tensor {t['name']} has a bad shape {shape}")
    n = 1
    for v in shape:
        n *= v
    if n > MAX_TENSOR_ELEMENTS:
        raise ManifestError(f"{path}: {part} tensor {t['name']} is implausibly large ({n} elements)")


def _validate(m, path: Path) -> None:
    if not isinstance(m, dict):
        raise ManifestError(f"{path}: expected a JSON object")
    missing = [k for k in (*BOUNDS, *STRINGS, *PARTS) if k not in m]
    if missing:
        raise ManifestError(f"{path}: missing keys {', '.join(missing)}")
    if m["format_version"] != FORMAT_VERSION:
        raise ManifestError(f"{path}: format_version {m['format_version']!r} is not supported (want {FORMAT_VERSION})")
    for key, (typ, lo, hi) in BOUNDS.items():
        v = m[key]
        if type(v) is not typ or not lo <= v <= hi:
            raise ManifestError(f"{path}: {key} must be an integer in [{lo}, {hi}], not {v!r}")
    for key in STRINGS:
        if not isinstance(m[key], str) or not m[key]:
            raise ManifestError(f"{path}: {key} must be a non-empty string")
    if m["chunk_samples"] != m["hop"]:
        raise ManifestError(f"{path}: chunk_samples must equal hop (one step = one latent frame)")
    if m["synthesis_delay_samples"] >= 16 * m["hop"]:
        raise ManifestError(f"{path}: synthesis_delay_samples {m['synthesis_delay_samples']} is implausible for "
                            f"hop {m['hop']}")
    space = m.get("latent_space", DEFAULT_LATENT_SPACE)
    if not isinstance(space, str) or not space:
        raise ManifestError(f"{path}: latent_space must be a non-empty string")
    for part in PARTS:
        p = m[part]
        if not isinstance(p, dict):
            raise ManifestError(f"{path}: {part} must be an object")
        for key in ("file", "inputs", "outputs"):
            if key not in p:
                raise ManifestError(f"{path}: {part} has no '{key}'")
        if not isinstance(p["inputs"], list) or not isinstance(p["outputs"], list) or not p["inputs"]:
            raise ManifestError(f"{path}: {part} inputs/outputs must be non-empty lists")
        for t in p["inputs"] + p["outputs"]:
            _check_tensor(path, part, t)
        if len(p["inputs"]) != len(p["outputs"]):
            raise ManifestError(f"{path}: {part} needs one output per input (the step and its states)")
        for i, o in zip(p["inputs"][1:], p["outputs"][1:]):
            if i["shape"] != o["shape"]:
                raise ManifestError(f"{path}: {part} state {i['name']} in/out shapes differ")
    _check_contract_shapes(path, m)


def _check_rules(path: Path, written, contract: StreamingContract) -> None:
    """The written rules must be the ones the contract's numbers give (manifests from before the rules were
    data carry prose there, which states the same rules)."""
    if written is None or (isinstance(written, dict) and all(isinstance(v, str) for v in written.values())):
        return
    if written != contract.rules():
        raise ManifestError(f"{path}: its streaming rules disagree with its numbers (lookahead_frames, "
                            "chunk_samples, synthesis_delay_samples)")


def _check_contract_shapes(path: Path, m: dict) -> None:
    """The streaming contract's shapes: audio chunk [1,1,chunk] -> latent [1,D,1] -> audio chunk [1,1,chunk],
    and the decoder's last state holds the synthesis delay's samples (the overlap-add tail)."""
    chunk, dim = m["chunk_samples"], m["latent_dim"]
    for part, side, want in (("encoder", "inputs", [1, 1, chunk]), ("encoder", "outputs", [1, dim, 1]),
                             ("decoder", "inputs", [1, dim, 1]), ("decoder", "outputs", [1, 1, chunk])):
        got = m[part][side][0]["shape"]
        if got != want:
            raise ManifestError(f"{path}: {part} {side[:-1]} {m[part][side][0]['name']} is {got}, the streaming "
                                f"contract needs {want}")
    tail = m["decoder"]["inputs"][-1]["shape"]
    n = 1
    for v in tail:
        n *= v
    if len(m["decoder"]["inputs"]) < 2 or n != m["synthesis_delay_samples"]:
        raise ManifestError(f"{path}: the decoder's last state must hold synthesis_delay_samples "
                            f"({m['synthesis_delay_samples']}) samples, it holds {n}")


def _verify_file(folder: Path, where: str, entry: dict, verify: bool) -> None:
    name = _plain_name(folder / MANIFEST, where, entry.get("file"))
    f = folder / name
    if f.is_symlink() or not (f.is_file() or f.is_dir()):
        raise ManifestError(f"{f}: artifact file missing")
    if not verify:
        return
    want_sha, want_bytes = entry.get("sha256"), entry.get("bytes")
    if not isinstance(want_sha, str) or type(want_bytes) is not int:
        raise ManifestError(f"{folder / MANIFEST}: {where} has no sha256/bytes: re-export it with this f3edge "
                            "(unverified model files are not loaded)")
    sha, size = file_digest(f)
    if size != want_bytes or sha != want_sha:
        raise ManifestError(f"{f}: sha256/size do not match the manifest: corrupted or replaced model file")


def read_manifest(artifact_dir: str | Path, verify_files: bool = True) -> Manifest:
    return Manifest.read(artifact_dir, verify_files)
