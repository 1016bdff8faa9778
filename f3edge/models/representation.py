"""The representation encoder: frozen normalized latents (B, D, T) at 25 Hz -> features (B, out_dim, T) for
understanding tasks. Causal and streaming under the same `step(x, state) -> (y, new_state)` contract as the
student, so it runs on a phone behind the student's encoder; it never changes the latents, which stay the
generation target.

`RepresentationModel` is what trains and what a checkpoint holds: the encoder plus its RQ-MTP parts (the
frozen, seeded random-projection quantizer and the K next-code heads, training/rq_mtp.py). Only the
encoder is needed to compute features."""
from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass

from torch import Tensor, nn

from ..streaming import State, StateSpec, StreamingModule, StreamingSequential
from .blocks import ConvNeXtBlock, make_conv

RQ_SOURCES = ("latents", "log-mel", "log-mel-corpus")

BOUNDS = {"latent_dim": (1, 4096), "channels": (1, 4096), "blocks": (0, 64), "kernel": (1, 63),
          "expansion": (1, 16), "out_dim": (1, 8192), "out_kernel": (1, 63), "rq_stack": (1, 64),
          "rq_proj_dim": (1, 1024), "rq_codebook": (2, 1 << 16), "rq_seed": (0, 2**31 - 1), "mtp_k": (1, 64),
          "lm_width": (0, 8192), "ctc_classes": (0, 4096), "distill_width": (0, 8192)}


@dataclass(frozen=True)
class RepresentationConfig:
    name: str = "f3edge-repr"
    latent_space: str = "f3-v1"     # the latent space it reads; its latents must come from a model of this space
    latent_dim: int = 64
    channels: int = 256
    blocks: int = 8
    kernel: int = 5
    expansion: int = 2
    out_dim: int = 384
    out_kernel: int = 1             # > 1: the output projection reads a causal window of the last block's frames
    rq_source: str = "latents"      # what the quantizer reads: "latents", or log-mel at the latent rate (the ablation)
                                    # standardized per clip ("log-mel") or with corpus statistics ("log-mel-corpus")
    rq_stack: int = 2               # frames stacked into one quantizer input (frames t .. t+stack-1)
    rq_proj_dim: int = 16
    rq_codebook: int = 1024
    rq_seed: int = 0
    mtp_k: int = 3                  # heads predict the codes 1..K frames ahead
    lm_width: int = 0               # > 0: a projection of the features to a frozen LM's width (trained with it)
    ctc_classes: int = 0            # > 0: a linear per-frame character head (training/char_ctc.py, trained with it)
    distill_width: int = 0          # > 0: a linear per-frame head onto a frozen encoder's features
                                    # (training/encoder_distill.py, trained with it)

    kind = "representation"

    def to_dict(self) -> dict:
        return {"kind": self.kind, **dataclasses.asdict(self)}

    @classmethod
    def from_dict(cls, d: dict) -> "RepresentationConfig":
        if not isinstance(d, dict) or d.get("kind") != cls.kind:
            raise ValueError("not a representation-encoder config (kind must be 'representation')")
        fields = {f.name for f in dataclasses.fields(cls)}
        unknown = set(d) - fields - {"kind"}
        if unknown:
            raise ValueError(f"unknown representation config keys {sorted(unknown)}")
        for key, (lo, hi) in BOUNDS.items():
            if key in d and (type(d[key]) is not int or not lo <= d[key] <= hi):
                raise ValueError(f"{key} must be an integer in [{lo}, {hi}], not {d[key]!r}")
        for key in ("name", "latent_space"):
            if key in d and (not isinstance(d[key], str) or not d[key]):
                raise ValueError(f"{key} must be a non-empty string")
        if "rq_source" in d and d["rq_source"] not in RQ_SOURCES:
            raise ValueError(f"rq_source must be one of {list(RQ_SOURCES)}, not {d['rq_source']!r}")
        return cls(**{k: v for k, v in d.items() if k != "kind"})

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2)

    @classmethod
    def from_json(cls, text: str) -> "RepresentationConfig":
        return cls.from_dict(json.loads(text))

    @classmethod
    def from_file(cls, path: str) -> "RepresentationConfig":
        with open(path) as f:
            return cls.from_dict(json.load(f))

    @property
    def receptive_field_frames(self) -> int:
        return 1 + self.blocks * (self.kernel - 1) + self.out_kernel - 1

    @property
    def rq_reads_audio(self) -> bool:
        return self.rq_source != "latents"

    @property
    def rq_corpus_stats(self) -> bool:
        """The quantizer standardizes its input with statistics measured on the training corpus (and saved)."""
        return self.rq_source == "log-mel-corpus"

    @property
    def rq_frame_dim(self) -> int:
        """Width of one frame the quantizer reads (before stacking)."""
        if self.rq_source == "latents":
            return self.latent_dim
        from ..config import SignalConfig
        from ..mel import latent_rate_mel_dim
        signal = SignalConfig()   # the f3 latent spaces' signal; the trainer refuses a teacher of another
        return latent_rate_mel_dim(signal.sample_rate, signal.latent_hop)


# Named configs: the same encoder for each latent space it can read (one per released or training space).
REPRESENTATION_PRESETS = {
    "repr": RepresentationConfig(),
    "repr-v2": RepresentationConfig(name="f3edge-repr-v2", latent_space="f3-v2"),
    "repr-v2b": RepresentationConfig(name="f3edge-repr-v2b", latent_space="f3-v2"),   # frozen-LM clips augmented
    "repr-v2c": RepresentationConfig(name="f3edge-repr-v2c", latent_space="f3-v2"),   # + the prompt tokens fixed
    "repr-v2m": RepresentationConfig(name="f3edge-repr-v2m", latent_space="f3-v2"),   # multilingual Whisper base
    "repr-v2-mel": RepresentationConfig(name="f3edge-repr-v2-mel", latent_space="f3-v2", rq_source="log-mel"),
    "repr-v2-melc": RepresentationConfig(name="f3edge-repr-v2-melc", latent_space="f3-v2", rq_source="log-mel-corpus"),
    # the output projection over a causal 5-frame window (stop 30: what it adds to the CTC probe, a random-init
    # encoder of this shape has too; docs/results/probes/README.md)
    "repr-v2-mel-ok5": RepresentationConfig(name="f3edge-repr-v2-mel-ok5", latent_space="f3-v2", rq_source="log-mel",
                                            out_kernel=5),
    # deeper encoders, grown from an 8-block one (models/grow.py; stop 40: does capacity move the CTC probe?)
    "repr-v2-mel-deep12": RepresentationConfig(name="f3edge-repr-v2-mel-deep12", latent_space="f3-v2",
                                               rq_source="log-mel", blocks=12),
    "repr-v2-mel-deep16": RepresentationConfig(name="f3edge-repr-v2-mel-deep16", latent_space="f3-v2",
                                               rq_source="log-mel", blocks=16),
}


class RepresentationEncoder(StreamingModule):
    def __init__(self, cfg: RepresentationConfig):
        super().__init__()
        self.cfg = cfg
        self.net = StreamingSequential(
            make_conv(cfg.latent_dim, cfg.channels, 1, causal=True),
            *[ConvNeXtBlock(cfg.channels, cfg.kernel, cfg.expansion, causal=True) for _ in range(cfg.blocks)],
            make_conv(cfg.channels, cfg.out_dim, cfg.out_kernel, causal=True),
        )

    def forward(self, z: Tensor) -> Tensor:
        """(B, D, T) normalized latents -> (B, out_dim, T) features; frame t sees latents <= t."""
        return self.net(z)

    def state_spec(self, batch: int = 1) -> list[StateSpec]:
        return self.net.state_spec(batch)

    def step(self, z: Tensor, state: State) -> tuple[Tensor, State]:
        return self.net.step(z, state)


class RepresentationModel(nn.Module):
    """The trained unit: encoder + RQ-MTP quantizer (frozen buffers) + next-code heads (+ the projection into
    a frozen LM, when trained with one, the character head, when trained with the CTC objective, and the head onto
    a frozen encoder's features, when distilled from one)."""

    def __init__(self, cfg: RepresentationConfig):
        super().__init__()
        from ..training.rq_mtp import NextCodeHeads, RandomProjectionQuantizer
        self.cfg = cfg
        self.encoder = RepresentationEncoder(cfg)
        self.quantizer = RandomProjectionQuantizer(cfg.rq_frame_dim * cfg.rq_stack, cfg.rq_proj_dim, cfg.rq_codebook,
                                                   cfg.rq_seed, cfg.rq_frame_dim if cfg.rq_corpus_stats else 0)
        self.heads = NextCodeHeads(cfg.out_dim, cfg.rq_codebook, cfg.mtp_k)
        self.lm_proj = nn.Linear(cfg.out_dim, cfg.lm_width) if cfg.lm_width else None
        # registered last: a run continued with this head added keeps its other parameters' optimizer order
        self.ctc_head = nn.Linear(cfg.out_dim, cfg.ctc_classes) if cfg.ctc_classes else None
        self.distill_head = nn.Linear(cfg.out_dim, cfg.distill_width) if cfg.distill_width else None   # after it, too

    def num_parameters(self) -> int:
        return sum(p.numel() for p in self.encoder.parameters())
