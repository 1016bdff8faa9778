"""Parity gate: run an exported artifact in its real runtime, streaming over real speech, against eager
fp32 PyTorch. Latent SNR (encoder), audio SNR and log-mel L1 (decoder, end to end)."""
from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from f3edge.metrics import log_mel_l1_db, snr_db

THRESHOLDS = {  # precision -> (min latent SNR dB, max extra log-mel L1 dB vs the fp32 model)
    "fp32": (60.0, 0.05),
    "fp16": (35.0, 0.15),
    "int8": (25.0, 0.3),
    "w8a8": (25.0, 0.3),
}


@dataclass
class ParityReport:
    precision: str
    clips: int
    seconds: float
    latent_snr_db: float
    decoder_audio_snr_db: float
    end_to_end_log_mel_l1_db: float
    eager_log_mel_l1_db: float
    log_mel_l1_delta_db: float
    min_latent_snr_db: float
    max_log_mel_delta_db: float
    passed: bool

    def to_dict(self) -> dict:
        return asdict(self)

    def summary(self) -> str:
        return (f"latent SNR {self.latent_snr_db:.1f} dB (>= {self.min_latent_snr_db:g}), decoder audio SNR "
                f"{self.decoder_audio_snr_db:.1f} dB, log-mel L1 {self.end_to_end_log_mel_l1_db:.3f} dB vs eager "
                f"{self.eager_log_mel_l1_db:.3f} (delta {self.log_mel_l1_delta_db:+.3f}, <= {self.max_log_mel_delta_db:g})")


def measure_parity(artifact, tok, clips: list[np.ndarray], precision: str) -> ParityReport:
    """`artifact`: a runtimes.Artifact; `tok`: the eager f3edge Tokenizer it was exported from."""
    z_ref, z_art, y_ref_dec, y_art_dec, x_all, y_eager, y_e2e = [], [], [], [], [], [], []
    for x in clips:
        z = tok.encode(x)
        za = artifact.encode(x)
        n = len(x)
        z_ref.append(z)
        z_art.append(za[: len(z)])
        y_ref_dec.append(tok.decode(z, num_samples=n))
        y_art_dec.append(artifact.decode(z, num_samples=n))     # same latents into both decoders
        y_e2e.append(artifact.decode(za, num_samples=n))         # phone encoder -> phone decoder
        y_eager.append(y_ref_dec[-1])
        x_all.append(x)
    lat = snr_db(np.concatenate(z_ref), np.concatenate(z_art))
    dec = snr_db(np.concatenate(y_ref_dec), np.concatenate(y_art_dec))
    e2e = float(np.mean([log_mel_l1_db(x, y) for x, y in zip(x_all, y_e2e)]))
    eager = float(np.mean([log_mel_l1_db(x, y) for x, y in zip(x_all, y_eager)]))
    min_snr, max_delta = THRESHOLDS[precision]
    delta = e2e - eager
    return ParityReport(precision=precision, clips=len(clips), seconds=sum(len(x) for x in clips) / tok.sample_rate,
                        latent_snr_db=lat, decoder_audio_snr_db=dec, end_to_end_log_mel_l1_db=e2e,
                        eager_log_mel_l1_db=eager, log_mel_l1_delta_db=delta, min_latent_snr_db=min_snr,
                        max_log_mel_delta_db=max_delta, passed=bool(lat >= min_snr and delta <= max_delta))
