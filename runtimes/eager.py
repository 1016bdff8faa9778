"""The eager PyTorch student behind the one session engine (`runtimes.session`): a step runner that takes
any whole number of frames per call (a step over n frames equals n single-frame steps, property-tested in
the streaming layers), and the streaming contract read from the model, with the manifest's field names."""
from __future__ import annotations

import numpy as np
import torch

from .manifest import StreamingContract


class EagerStudentRunner:
    frames_per_call = None   # any number of frames per call: one push is one call

    def __init__(self, model, part: str):
        self.step = model.encoder_step if part == "encoder" else model.decoder_step

    @torch.inference_mode()
    def run(self, inputs: list[np.ndarray]) -> list[np.ndarray]:
        x, *state = (torch.from_numpy(np.ascontiguousarray(a)) for a in inputs)
        y, new_state = self.step(x, tuple(state))
        return [y.numpy()] + [s.numpy() for s in new_state]


def streaming_contract(model) -> StreamingContract:
    """The streaming contract of an eager student (what its export's manifest will state)."""
    cfg, s = model.cfg, model.cfg.signal

    def tensors(first: str, shape: list[int], specs) -> tuple:
        return tuple([{"name": first, "shape": shape}] + [{"name": f"state_{i}", "shape": list(t.shape)}
                                                          for i, t in enumerate(specs)])
    return StreamingContract(
        sample_rate=s.sample_rate, chunk_samples=s.latent_hop, latent_dim=s.latent_dim, lookahead_frames=cfg.lookahead,
        synthesis_delay_samples=s.synthesis_delay,
        encoder_inputs=tensors("audio", [1, 1, s.latent_hop], model.encoder_state_spec(1)),
        decoder_inputs=tensors("latent", [1, s.latent_dim, 1], model.decoder_state_spec(1)))
