"""Peers measured in the same run: Lyra V2 (pretrained TFLite, ../shared/peers/lyra) and Opus."""
from __future__ import annotations

from pathlib import Path

import numpy as np

LYRA_DIR = Path(__file__).resolve().parents[2] / "shared" / "peers" / "lyra"
LYRA_FRAME = 320                 # 20 ms at 16 kHz -> one 64-d frame (50 Hz)
LYRA_KBPS = {16: 3.2, 30: 6.0, 46: 9.2}


class Lyra:
    """Streaming Lyra V2: encoder and decoder keep internal state, so one interpreter each, frames in order.
    Audio is float in [-1, 1] (checked: int16-scaled input gives STOI ~0.5)."""

    def __init__(self, num_quantizers: int | None = None, threads: int = 1, lyra_dir: Path = LYRA_DIR):
        from ai_edge_litert.interpreter import Interpreter
        self.nq = num_quantizers
        self.paths = {k: lyra_dir / f"{k}.tflite" for k in ("soundstream_encoder", "lyragan", "quantizer")}
        self.threads = threads
        self._interp = Interpreter
        self.reset()

    @property
    def name(self) -> str:
        return "lyra-v2-continuous" if self.nq is None else f"lyra-v2-{LYRA_KBPS[self.nq]:g}kbps"

    @property
    def bytes(self) -> int:
        keys = ("soundstream_encoder", "lyragan") + (("quantizer",) if self.nq else ())
        return sum(self.paths[k].stat().st_size for k in keys)

    def reset(self) -> None:
        mk = lambda k: self._interp(model_path=str(self.paths[k]), num_threads=self.threads)  # noqa: E731
        self.enc = mk("soundstream_encoder").get_signature_runner()
        self.dec = mk("lyragan").get_signature_runner()
        q = mk("quantizer")
        self.qe, self.qd = q.get_signature_runner("encode"), q.get_signature_runner("decode")

    def encode_frame(self, pcm: np.ndarray) -> np.ndarray:
        f = self.enc(input_audio=pcm.reshape(1, LYRA_FRAME).astype(np.float32))["output_0"]
        if self.nq:
            idx = self.qe(input_frames=f, num_quantizers=np.array(self.nq, np.int32))["output_0"]
            f = self.qd(encoding_indices=idx)["output_0"]
        return f

    def decode_frame(self, f: np.ndarray) -> np.ndarray:
        return self.dec(input_audio=f)["output_0"].reshape(-1)

    def reconstruct(self, x: np.ndarray) -> np.ndarray:
        self.reset()
        n = len(x) // LYRA_FRAME * LYRA_FRAME
        x = np.concatenate([x, np.zeros(LYRA_FRAME - len(x) % LYRA_FRAME if len(x) % LYRA_FRAME else 0, np.float32)])
        out = [self.decode_frame(self.encode_frame(x[i:i + LYRA_FRAME])) for i in range(0, len(x), LYRA_FRAME)]
        return np.concatenate(out)[: max(n, len(x))]


class Opus:
    """libopus (opuslib-next-bundled), 20 ms frames at 16 kHz, VOIP application."""

    def __init__(self, kbps: float):
        self.kbps = kbps

    @property
    def name(self) -> str:
        return f"opus-{self.kbps:g}kbps"

    def reconstruct(self, x: np.ndarray) -> np.ndarray:
        import opuslib_next as opuslib
        enc = opuslib.Encoder(16000, 1, opuslib.APPLICATION_VOIP)
        enc.bitrate = int(self.kbps * 1000)
        dec = opuslib.Decoder(16000, 1)
        pcm = np.clip(np.round(x * 32767), -32768, 32767).astype(np.int16)
        pcm = np.concatenate([pcm, np.zeros((-len(pcm)) % 320, np.int16)])
        out = []
        for i in range(0, len(pcm), 320):
            packet = enc.encode(pcm[i:i + 320].tobytes(), 320)
            out.append(np.frombuffer(dec.decode(packet, 320), dtype=np.int16))
        return (np.concatenate(out).astype(np.float32) / 32768.0)[: len(x)]
