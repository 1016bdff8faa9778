"""EnCodec 24 kHz and Mimi, built from their pip packages with random weights: speed peers only.

Their trained weights cannot be downloaded here (no model hub), and speed does not depend on weight
values, so these give encode/decode RTF and per-frame latency, never quality. Install (keeps torch 2.13):
    pip install --no-deps encodec moshi && pip install einops "huggingface_hub<1.0" sentencepiece
"""
from __future__ import annotations

import sys
import types

import torch

PEERS = {   # name -> (sample rate, streaming frame in samples)
    "encodec-24khz": (24000, 320),
    "mimi": (24000, 1920),
}
PACKAGES = {"encodec-24khz": "encodec", "mimi": "moshi"}


def available(name: str) -> bool:
    """Installed? (a check, not a build: building Mimi costs seconds)"""
    import importlib.util
    return importlib.util.find_spec(PACKAGES[name]) is not None


def _stub_torchaudio() -> None:
    # EnCodec imports torchaudio at module level but not on the model path; PyPI's torchaudio does not load
    # against torch 2.13, so a stub module lets the architecture build.
    try:
        import torchaudio  # noqa: F401
    except Exception:  # noqa: BLE001 - any failure to import means: stub it
        sys.modules["torchaudio"] = types.ModuleType("torchaudio")


def _fold_weight_norm(model: torch.nn.Module) -> None:
    """Inference graphs have no weight-norm reparametrization: fold it before timing."""
    for m in model.modules():
        if hasattr(m, "weight_g") and hasattr(m, "weight_v"):
            torch.nn.utils.remove_weight_norm(m)
        elif hasattr(m, "parametrizations") and "weight" in getattr(m, "parametrizations", {}):
            torch.nn.utils.parametrize.remove_parametrizations(m, "weight")


def build(name: str) -> torch.nn.Module:
    torch.manual_seed(0)
    if name == "encodec-24khz":
        _stub_torchaudio()
        from encodec import EncodecModel
        model = EncodecModel.encodec_model_24khz(pretrained=False)
        model.set_target_bandwidth(6.0)
    elif name == "mimi":
        from moshi.models.loaders import get_mimi
        model = get_mimi(None, device="cpu")
    else:
        raise ValueError(f"unknown peer {name!r}")
    _fold_weight_norm(model)
    return model.eval()


class NeuralPeer:
    """Whole-clip encode/decode plus frame-by-frame streaming where the package supports it."""

    def __init__(self, name: str):
        self.name = name
        self.sample_rate, self.frame = PEERS[name]
        self.model = build(name)
        self.params = sum(p.numel() for p in self.model.parameters())

    @torch.inference_mode()
    def encode(self, x: torch.Tensor):
        return self.model.encode(x)

    @torch.inference_mode()
    def decode(self, codes):
        return self.model.decode(codes)

    @torch.inference_mode()
    def stream_steps(self, x: torch.Tensor, timer) -> None:
        """Mimi's own streaming mode, one frame per call (EnCodec's package has no streaming state)."""
        if self.name != "mimi":
            return
        n = x.shape[-1] // self.frame * self.frame
        with self.model.streaming(1):
            for i in range(0, n, self.frame):
                with timer("encoder"):
                    codes = self.model.encode(x[..., i:i + self.frame])
                with timer("decoder"):
                    self.model.decode(codes)
