"""Calibration data for static int8: the inputs each streaming step really sees on real speech.

Running the eager student's streaming loop over real clips records (audio chunk, *states) for the
encoder and (latent frame, *states) for the decoder, so state ranges are realistic, not zeros.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from f3edge.audio import read_audio
from f3edge.models import F3Student

from f3edge.samples_path import sample

DEFAULT_CALIBRATION = sample("asterisk_en_dir-usingkeypad.flac")   # parity runs on arctic_a0007: never the same clip


def read_calibration_audio(paths: list[str | Path], sample_rate: int) -> list[np.ndarray]:
    return [read_audio(p, sample_rate) for p in paths]


@torch.inference_mode()
def record_step_inputs(student: F3Student, clips: list[np.ndarray], max_steps: int = 400) -> dict[str, list[list[np.ndarray]]]:
    hop = student.cfg.signal.latent_hop
    enc_inputs, dec_inputs = [], []
    for x in clips:
        x = np.concatenate([x, np.zeros((-len(x)) % hop + student.cfg.lookahead * hop, np.float32)])
        es, ds = student.encoder_init_state(1), student.decoder_init_state(1)
        for i in range(0, len(x), hop):
            chunk = torch.from_numpy(x[i:i + hop]).reshape(1, 1, hop)
            enc_inputs.append([chunk.numpy().copy()] + [s.numpy().copy() for s in es])
            z, es = student.encoder_step(chunk, es)
            dec_inputs.append([z.numpy().copy()] + [s.numpy().copy() for s in ds])
            _, ds = student.decoder_step(z, ds)
    step = max(1, len(enc_inputs) // max_steps)
    return {"encoder": enc_inputs[::step], "decoder": dec_inputs[::step]}
