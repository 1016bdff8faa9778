"""One streaming interface over every runtime, driven by the manifest's `StreamingContract`.

A runtime only supplies `StepRunner.run(list of arrays) -> list of arrays` for one step graph;
buffering, state threading, lookahead warm-up and synthesis-delay alignment live here, once, applying the
contract's rules (`StreamingContract.rules()` is what the manifest states and the Kotlin/Swift cores mirror).
"""
from __future__ import annotations

import threading
from pathlib import Path
from typing import Protocol

import numpy as np

from f3edge.errors import F3EdgeInputError
from f3edge.streaming.session import StreamSession, drop_leading

from .manifest import Manifest, ManifestError, StreamingContract


class StepRunner(Protocol):
    """One step graph: run([x, *states]) -> [y, *new_states]. An exported graph takes exactly one frame per
    call; a runner that sets `frames_per_call = None` takes any whole number of frames in one call (the
    eager PyTorch student does), which the sessions then use for a whole push at once."""

    def run(self, inputs: list[np.ndarray]) -> list[np.ndarray]: ...


class RecordingRunner:
    """A step runner that keeps a copy of every call's inputs and outputs, one frame per call: the real
    streaming loop's step inputs (int8 calibration) and the traces the mobile cores replay."""
    frames_per_call = 1

    def __init__(self, runner: StepRunner):
        self.runner, self.calls = runner, []

    def run(self, inputs: list[np.ndarray]) -> list[np.ndarray]:
        outputs = self.runner.run(inputs)
        self.calls.append(([np.asarray(x, np.float32).copy() for x in inputs],
                           [np.asarray(y, np.float32).copy() for y in outputs]))
        return outputs


def _one_call_per_push(runner) -> bool:
    return getattr(runner, "frames_per_call", 1) is None


class _StepSession(StreamSession):
    def __init__(self, runner: StepRunner, inputs):
        self.runner = runner
        self.inputs = inputs
        self.state = [np.zeros(t["shape"], np.float32) for t in self.inputs[1:]]

    def _step(self, x: np.ndarray) -> np.ndarray:
        outs = self.runner.run([np.ascontiguousarray(x, dtype=np.float32)] + self.state)
        if len(outs) != len(self.inputs):
            raise F3EdgeInputError(f"artifact returned {len(outs)} outputs, manifest lists {len(self.inputs)}")
        self.state = [np.asarray(o, np.float32) for o in outs[1:]]
        return np.asarray(outs[0], np.float32)


class EncoderSession(_StepSession):
    """push(pcm at the model rate) -> (n, D) latents; flush() -> the rest (zero-padded, lookahead run out)."""

    def __init__(self, runner: StepRunner, contract: StreamingContract):
        super().__init__(runner, contract.encoder_inputs)
        self.hop = contract.chunk_samples
        self.dim = contract.latent_dim
        self.flush_chunks = contract.encoder_flush_zero_chunks
        self.to_skip = contract.encoder_warmup_frames
        self.buffer = np.zeros(0, np.float32)

    def _frames(self, x: np.ndarray) -> np.ndarray:
        if len(x) == 0:
            return np.zeros((0, self.dim), np.float32)
        if _one_call_per_push(self.runner):
            z = self._step(x.reshape(1, 1, -1)).reshape(self.dim, -1).T
        else:
            z = np.stack([self._step(x[i:i + self.hop].reshape(1, 1, self.hop)).reshape(self.dim)
                          for i in range(0, len(x), self.hop)])
        z, self.to_skip = drop_leading(z, self.to_skip)   # the lookahead warm-up frames
        return np.ascontiguousarray(z)

    def push(self, pcm) -> np.ndarray:
        self._check_open()
        x = np.asarray(pcm, np.float32).reshape(-1)
        if not np.isfinite(x).all():
            raise F3EdgeInputError("pushed audio contains NaN/inf samples")
        self.buffer = np.concatenate([self.buffer, x])
        n = len(self.buffer) // self.hop * self.hop
        ready, self.buffer = self.buffer[:n], self.buffer[n:]
        return self._frames(ready)

    def flush(self) -> np.ndarray:
        self._check_open()
        pad = (-len(self.buffer)) % self.hop + self.flush_chunks * self.hop
        x = np.concatenate([self.buffer, np.zeros(pad, np.float32)])
        self.buffer = np.zeros(0, np.float32)
        self.closed = True
        return self._frames(x)


class DecoderSession(_StepSession):
    """push((n, D) latents) -> audio aligned with the encoder input; flush() -> the last samples."""

    def __init__(self, runner: StepRunner, contract: StreamingContract):
        super().__init__(runner, contract.decoder_inputs)
        self.dim = contract.latent_dim
        self.to_skip = contract.decoder_delay_samples

    def _align(self, y: np.ndarray) -> np.ndarray:
        y, self.to_skip = drop_leading(y, self.to_skip)
        return y

    def push(self, z) -> np.ndarray:
        self._check_open()
        z = np.asarray(z, np.float32).reshape(-1, self.dim)
        if len(z) == 0:
            return np.zeros(0, np.float32)
        if _one_call_per_push(self.runner):
            y = self._step(np.ascontiguousarray(z.T).reshape(1, self.dim, -1)).reshape(-1)
        else:
            y = np.concatenate([self._step(frame.reshape(1, self.dim, 1)).reshape(-1) for frame in z])
        return self._align(y)

    def flush(self) -> np.ndarray:
        """The overlap-add tail: the last state tensor holds the synthesis delay's samples."""
        self._check_open()
        self.closed = True
        return self._align(self.state[-1].reshape(-1).copy())


class Artifact:
    """An exported model folder. `encoder()` and `decoder()` open fresh streaming sessions; it also answers to
    the `Tokenizer` names the file-level code uses (sample_rate, hop, model_id, stream(), decode(), ...), so an
    artifact stands in for a PyTorch model wherever audio files are encoded or decoded."""
    is_streaming = True

    def __init__(self, path: Path, manifest: Manifest, make_runner):
        self.path, self.manifest, self._make_runner = path, manifest, make_runner
        self._runners: dict[str, StepRunner] = {}
        self._runners_lock = threading.Lock()   # threads sharing an artifact load each part once
        m = manifest
        self.sample_rate, self.hop, self.latent_dim, self.frame_rate = m.sample_rate, m.hop, m.latent_dim, m.frame_rate
        self.model_id, self.sha256, self.latent_space = m.model_id, m.checkpoint_sha256, m.latent_space

    def load(self) -> "Artifact":
        """Load both step models now, so a bad artifact fails before any work."""
        self.runner("encoder"), self.runner("decoder")
        return self

    def runner(self, part: str) -> StepRunner:
        with self._runners_lock:
            if part not in self._runners:
                self._runners[part] = self._make_runner(self.path, self.manifest, part)
            return self._runners[part]

    def encoder(self) -> EncoderSession:
        return EncoderSession(self.runner("encoder"), self.manifest.contract)

    def decoder(self) -> DecoderSession:
        return DecoderSession(self.runner("decoder"), self.manifest.contract)

    stream = encoder

    def full_sequence(self, threads: int = 0):
        """Offline encode/decode of whole files (dynamic length), where the target exported them (onnx)."""
        from f3edge import targets
        if not targets.get(self.manifest.runtime).full_sequence or self.manifest.full_sequence is None:
            raise ManifestError(f"{self.path}: this artifact has no full-sequence models (the onnx target has them)")
        from .onnxruntime_runner import OnnxFullSequence
        return OnnxFullSequence(self.path, self.manifest, threads)

    def encode(self, pcm: np.ndarray) -> np.ndarray:
        with self.encoder() as s:
            return np.concatenate([s.push(pcm), s.flush()])

    def decode(self, z: np.ndarray, num_samples: int | None = None) -> np.ndarray:
        from f3edge.latents import validate_latents
        from f3edge.tokenizer import check_finite_output
        z = validate_latents(z, self.manifest.latent_dim)
        with self.decoder() as s:
            y = check_finite_output(np.concatenate([s.push(z), s.flush()]), "decoded audio")
        return y[:num_samples] if num_samples is not None else y
