"""The public tokenizer: `tok = f3edge.load(); z = tok.encode(wav, sr); wav = tok.decode(z)`.

Streaming sessions (`tok.stream()`, `tok.decode_stream()`) run the student's step functions over
explicit state; whatever the push sizes, they produce exactly what the offline calls produce.
"""
from __future__ import annotations

import numpy as np
import soxr
import torch

from .audio import to_mono_resampled, validate_pcm
from .checkpoint import LoadedModel, load_checkpoint
from .errors import F3EdgeInputError
from .latents import validate_latents


def check_finite_output(a: np.ndarray, what: str) -> np.ndarray:
    """The model's output is finite for any in-range input; anything else is refused, not written."""
    if not np.isfinite(a).all():
        raise F3EdgeInputError(f"the model produced non-finite {what}: the input is out of the range it handles")
    return a
from .models import F3Student
from .registry import resolve_checkpoint_path
from .streaming.session import StreamSession


class Tokenizer:
    def __init__(self, loaded: LoadedModel):
        self.loaded = loaded
        self.model = loaded.model.eval()
        self.cfg = loaded.config
        s = self.cfg.signal
        self.sample_rate, self.hop, self.latent_dim = s.sample_rate, s.latent_hop, s.latent_dim
        self.frame_rate = s.frame_rate

    @property
    def model_id(self) -> str:
        return self.loaded.model_id

    @property
    def latent_space(self) -> str:
        return self.cfg.latent_space

    @property
    def sha256(self) -> str:
        return self.loaded.sha256

    @property
    def is_streaming(self) -> bool:
        return isinstance(self.model, F3Student)

    @property
    def algorithmic_latency_ms(self) -> float:
        """Encoder: one latent frame plus lookahead. Decoder: the overlap-add synthesis delay."""
        s = self.cfg.signal
        enc = (1 + self.cfg.lookahead) * s.latent_hop
        return 1000.0 * (enc + s.synthesis_delay) / s.sample_rate

    def _prepare(self, wav, sr: int | None) -> np.ndarray:
        if torch.is_tensor(wav):
            wav = wav.detach().cpu().numpy()
        x = np.asarray(wav, dtype=np.float32)
        if x.ndim == 2:   # (L, C) channels-last, as soundfile returns
            x = x.mean(axis=1) if x.shape[1] <= 8 else x.mean(axis=0)
        x = validate_pcm(x, 1, "input audio")
        x = to_mono_resampled(x, sr or self.sample_rate, self.sample_rate)
        return validate_pcm(x, self.hop, "input audio")

    @torch.inference_mode()
    def encode(self, wav, sr: int | None = None) -> np.ndarray:
        """Mono (or (L, C)) audio at `sr` (default: the model rate) -> (T, D) float32 latents,
        T = ceil(L_resampled / latent_hop)."""
        x = self._prepare(wav, sr)
        if self.is_streaming:   # bounded memory on long inputs, identical to the full-sequence result
            with self.stream() as s:
                parts = [s.push(x[i:i + 30 * self.sample_rate]) for i in range(0, len(x), 30 * self.sample_rate)]
                parts.append(s.flush())
            return check_finite_output(np.concatenate(parts, axis=0), "latents")
        z = self.model.encode(torch.from_numpy(x)[None, None])
        return check_finite_output(z[0].T.contiguous().numpy(), "latents")

    @torch.inference_mode()
    def decode(self, z, num_samples: int | None = None) -> np.ndarray:
        """(T, D) latents -> mono float32 audio at the model rate, T * latent_hop samples (or trimmed)."""
        z = validate_latents(z.detach().cpu().numpy() if torch.is_tensor(z) else z, self.latent_dim)
        if self.is_streaming:
            with self.decode_stream() as s:
                parts = [s.push(z[i:i + 750]) for i in range(0, len(z), 750)]
                parts.append(s.flush())
            y = np.concatenate(parts)
        else:
            y = self.model.decode(torch.from_numpy(z).T[None])[0, 0].numpy()
        check_finite_output(y, "decoded audio")
        return y[:num_samples] if num_samples is not None else y

    def reconstruct(self, wav, sr: int | None = None) -> np.ndarray:
        x = self._prepare(wav, sr)
        return self.decode(self.encode(x), num_samples=len(x))

    def represent(self, wav, sr: int | None = None, representation=None) -> np.ndarray:
        """Audio -> (T, out_dim) features for understanding at the latent frame rate: this model's latents
        through a representation encoder trained on its latent space (`f3edge train-repr`). `representation`
        is a checkpoint folder, a bundled name, or a loaded `Representer`; by default the one bundled for
        this model's latent space."""
        from .representation import representer_for
        return representer_for(self, representation).features(self.encode(wav, sr))

    def stream(self, sr: int | None = None) -> "EncoderStream":
        self._need_streaming()
        return EncoderStream(self.model, sr or self.sample_rate)

    def decode_stream(self):
        self._need_streaming()
        return decoder_stream(self.model)

    def _need_streaming(self) -> None:
        if not self.is_streaming:
            raise F3EdgeInputError(f"{self.model_id} is a non-causal model: it cannot stream (use a student)")

    def info(self) -> dict:
        m = self.model
        s = self.cfg.signal
        return {
            "model_id": self.model_id, "sha256": self.sha256, "kind": self.cfg.kind,
            "latent_space": self.latent_space,
            "parameters": m.num_parameters(), "encoder_parameters": m.num_parameters("encoder"),
            "decoder_parameters": m.num_parameters("decoder"),
            "weights_bytes": self.loaded.path.joinpath("model.safetensors").stat().st_size,
            "sample_rate": s.sample_rate, "latent_hop": s.latent_hop, "frame_rate_hz": s.frame_rate,
            "latent_dim": s.latent_dim, "lookahead_frames": self.cfg.lookahead,
            "streaming": self.is_streaming, "algorithmic_latency_ms": self.algorithmic_latency_ms,
            "train": {k: v for k, v in self.loaded.meta.items() if "train" in k or k == "recipe"},
        }


class EncoderStream(StreamSession):
    """push(pcm at any rate) -> (n, D) latents as soon as their frames (plus lookahead) are complete;
    flush() -> the rest. The push/flush rule is the session engine's (runtimes/session.py), over the eager
    student; this wrapper only resamples."""

    def __init__(self, model: F3Student, sr: int):
        from .runtimes.eager import EagerStudentRunner, streaming_contract
        from .runtimes.session import EncoderSession
        s = model.cfg.signal
        self.session = EncoderSession(EagerStudentRunner(model, "encoder"), streaming_contract(model))
        self.resampler = soxr.ResampleStream(sr, s.sample_rate, 1, dtype="float32") if sr != s.sample_rate else None

    def push(self, pcm) -> np.ndarray:
        self._check_open()
        x = np.asarray(pcm, dtype=np.float32).reshape(-1)
        if not np.isfinite(x).all():
            raise F3EdgeInputError("pushed audio contains NaN/inf samples")
        if self.resampler is not None:
            x = self.resampler.resample_chunk(x)
        return self.session.push(x)

    def flush(self) -> np.ndarray:
        """Pad the last partial frame with zeros and run the lookahead frames out."""
        self._check_open()
        self.closed = True
        head = np.zeros((0, self.session.dim), np.float32)
        if self.resampler is not None:
            head = self.session.push(self.resampler.resample_chunk(np.zeros(0, np.float32), last=True))
        return np.concatenate([head, self.session.flush()])


def decoder_stream(model: F3Student):
    """push((n, D) latents) -> audio, time-aligned with the encoder input; flush() -> the last samples."""
    from .runtimes.eager import EagerStudentRunner, streaming_contract
    from .runtimes.session import DecoderSession
    return DecoderSession(EagerStudentRunner(model, "decoder"), streaming_contract(model))


def encode_file(codec, path: str, on_block=None) -> tuple[np.ndarray, int]:
    """An audio file -> (latents, samples at the model rate), streamed through `codec` (a Tokenizer or an
    exported `runtimes.Artifact`) in blocks, so memory stays bounded on long files. `on_block(seconds)`
    reports progress."""
    from .audio import iter_audio_blocks, read_audio
    from .errors import AudioTooShort
    if not codec.is_streaming:
        x = read_audio(path, codec.sample_rate, min_samples=codec.hop)
        return codec.encode(x), len(x)
    parts, n = [], 0
    with codec.stream() as s:
        for block in iter_audio_blocks(path, codec.sample_rate):
            parts.append(s.push(block))
            n += len(block)
            if on_block is not None:
                on_block(len(block) / codec.sample_rate)
        if n < codec.hop:
            raise AudioTooShort(f"{path}: {n} samples at {codec.sample_rate} Hz is shorter than one frame "
                                f"({codec.hop} samples)")
        parts.append(s.flush())
    return check_finite_output(np.concatenate(parts, axis=0), "latents"), n


def load(name_or_path: str | None = None) -> Tokenizer:
    """Load a bundled model by name (default: the bundled default student) or a checkpoint folder."""
    return Tokenizer(load_checkpoint(resolve_checkpoint_path(name_or_path)))
