"""Reference runner: the eager PyTorch student steps, for parity checks and as a fallback."""
from __future__ import annotations

import numpy as np
import torch


class TorchRunner:
    def __init__(self, step: torch.nn.Module):
        # an exported (e.g. PT2E-quantized) GraphModule refuses .eval(); it has no train mode anyway
        self.step = step if isinstance(step, torch.fx.GraphModule) else step.eval()

    @torch.inference_mode()
    def run(self, inputs: list[np.ndarray]) -> list[np.ndarray]:
        outs = self.step(*[torch.from_numpy(np.ascontiguousarray(x)) for x in inputs])
        return [o.numpy() for o in outs]
