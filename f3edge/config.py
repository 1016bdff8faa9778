"""Model configurations as small dataclasses, saved as JSON beside the weights.

Sample rate, hop and latent size live here and nowhere else.
"""
from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field


@dataclass(frozen=True)
class SignalConfig:
    """Shared signal geometry: both teacher and student use it, so their latents align in time."""

    sample_rate: int = 16000
    n_fft: int = 640          # STFT window (40 ms)
    stft_hop: int = 160       # STFT hop (10 ms)
    latent_hop: int = 640     # samples per latent frame: 25 Hz at 16 kHz
    latent_dim: int = 64
    compress: float = 0.3     # magnitude compression of the input spectrum features

    @property
    def n_bins(self) -> int:
        return self.n_fft // 2 + 1

    @property
    def stft_per_latent(self) -> int:
        return self.latent_hop // self.stft_hop

    @property
    def frame_rate(self) -> float:
        return self.sample_rate / self.latent_hop

    @property
    def synthesis_delay(self) -> int:
        """Samples the overlap-add iSTFT lags behind its input frames."""
        return self.n_fft - self.stft_hop

    def validate(self) -> None:
        if self.stft_hop > self.n_fft or self.latent_hop < self.stft_hop:
            raise ValueError("need stft_hop <= n_fft and stft_hop <= latent_hop")
        if self.latent_hop % self.stft_hop:
            raise ValueError("latent_hop must be a multiple of stft_hop")
        if self.n_fft % self.stft_hop:
            raise ValueError("n_fft must be a multiple of stft_hop")


@dataclass(frozen=True)
class NetConfig:
    """Encoder/decoder trunk sizes (ConvNeXt-style 1-D blocks)."""

    fine_channels: int = 256      # width at the STFT frame rate (100 Hz)
    coarse_channels: int = 256    # width at the latent rate (25 Hz)
    fine_blocks: int = 2          # blocks at 100 Hz, each side
    # blocks at 100 Hz in the decoder only, where the spectrum is made (None: fine_blocks)
    decoder_fine_blocks: int | None = None
    coarse_blocks: int = 4        # blocks at 25 Hz, each side
    kernel: int = 7
    expansion: int = 2
    # "dense": the DFT as one fixed-basis conv (642 x 640 constants per direction). "fft": the same
    # transform factorized into two small linear stages (streaming/fft.py), ~5 k constants, exact in float.
    dft: str = "dense"

    @property
    def decoder_fine(self) -> int:
        return self.fine_blocks if self.decoder_fine_blocks is None else self.decoder_fine_blocks


@dataclass(frozen=True)
class ModelConfig:
    kind: str = "student"                 # "teacher" (non-causal) or "student" (causal, streaming)
    name: str = "f3edge-student"
    signal: SignalConfig = field(default_factory=SignalConfig)
    net: NetConfig = field(default_factory=NetConfig)
    lookahead: int = 0                    # latent frames of lookahead (student only): 0 or 1
    noise_sigma: float = 0.2              # max std of the bottleneck noise during training
    # The latent space this model's latents live in: defined by the teacher encoder that made it. A
    # student distilled from a teacher shares its space; retraining a teacher encoder makes a new one.
    latent_space: str = "f3-v1"

    @property
    def causal(self) -> bool:
        return self.kind == "student"

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, sort_keys=True)

    @classmethod
    def from_dict(cls, d: dict) -> "ModelConfig":
        """Build and validate a config read from a file (untrusted: every value is type- and range-checked
        before anything is allocated from it)."""
        if not isinstance(d, dict):
            raise ValueError("a model config must be a JSON object")
        d = dict(d)
        parts = {}
        for key, sub in (("signal", SignalConfig), ("net", NetConfig)):
            v = d.pop(key, {})
            if not isinstance(v, dict):
                raise ValueError(f"model config '{key}' must be an object")
            if key == "net" and v.get("basis_bits", 0) == 0:
                v = {k: x for k, x in v.items() if k != "basis_bits"}   # written by f3edge <= 0.5: always 0
            _check_keys(sub, v, key)
            parts[key] = sub(**v)
        _check_keys(cls, d, "model config")
        cfg = cls(**parts, **d)
        cfg.validate()
        return cfg

    def validate(self) -> None:
        for section, obj in (("signal", self.signal), ("net", self.net), ("", self)):
            for name, (lo, hi) in BOUNDS.get(section, {}).items():
                v = getattr(obj, name)
                if v is None and name in OPTIONAL:
                    continue
                want = float if isinstance(lo, float) else int
                if isinstance(v, bool) or not isinstance(v, (int, float) if want is float else int) or not lo <= v <= hi:
                    raise ValueError(f"{(section + '.') if section else ''}{name} must be "
                                     f"{'a number' if want is float else 'an integer'} in [{lo}, {hi}], not {v!r}")
        if self.kind not in ("teacher", "student"):
            raise ValueError(f"kind must be 'teacher' or 'student', not {self.kind!r}")
        if self.kind == "teacher" and self.lookahead:
            raise ValueError("a teacher has no lookahead")
        if self.net.dft not in ("dense", "fft"):
            raise ValueError(f"net.dft must be 'dense' or 'fft', not {self.net.dft!r}")
        for name in ("name", "latent_space"):
            if not isinstance(getattr(self, name), str) or not getattr(self, name):
                raise ValueError(f"{name} must be a non-empty string")
        self.signal.validate()

    @classmethod
    def from_json(cls, text: str) -> "ModelConfig":
        return cls.from_dict(json.loads(text))


# Latent spaces with released models (bundled, or latents in users' hands): frozen for good. Training the
# encoder of a model in one of these must name a new space; an unreleased space (a v2 in the making) may
# keep its name while its encoder trains on, until it is released and added here.
RELEASED_LATENT_SPACES = ("f3-v1", "f3-v2")

# Bounds on every numeric config value: a config file is user input, and these sizes are allocated.
BOUNDS = {
    "signal": {"sample_rate": (4000, 192000), "n_fft": (16, 8192), "stft_hop": (4, 8192), "latent_hop": (4, 96000),
               "latent_dim": (1, 1024), "compress": (0.01, 1.0)},
    "net": {"fine_channels": (1, 2048), "coarse_channels": (1, 2048), "fine_blocks": (0, 64),
            "decoder_fine_blocks": (0, 64), "coarse_blocks": (0, 64), "kernel": (1, 63), "expansion": (1, 16)},
    "": {"lookahead": (0, 2), "noise_sigma": (0.0, 10.0)},
}
OPTIONAL = {"decoder_fine_blocks"}


def _check_keys(cls, d: dict, where: str) -> None:
    unknown = set(d) - {f.name for f in dataclasses.fields(cls)}
    if unknown:
        raise ValueError(f"unknown {where} keys: {sorted(unknown)}")


# Named presets. The student sizes are what the distillation recipe trains.
PRESETS: dict[str, ModelConfig] = {
    "teacher": ModelConfig(
        kind="teacher", name="f3edge-teacher",
        net=NetConfig(fine_channels=224, coarse_channels=320, fine_blocks=2, coarse_blocks=4, kernel=7, expansion=2),
    ),
    # latent space v2: the teacher's encoder trained end to end again (same architecture)
    "teacher-v2": ModelConfig(
        kind="teacher", name="f3edge-teacher-v2", latent_space="f3-v2",
        net=NetConfig(fine_channels=224, coarse_channels=320, fine_blocks=2, coarse_blocks=4, kernel=7, expansion=2),
    ),
    # the next latent space: where training the released v2 teacher's encoder goes on (not released)
    "teacher-v3": ModelConfig(
        kind="teacher", name="f3edge-teacher-v3", latent_space="f3-v3",
        net=NetConfig(fine_channels=224, coarse_channels=320, fine_blocks=2, coarse_blocks=4, kernel=7, expansion=2),
    ),
    "student-s": ModelConfig(
        kind="student", name="f3edge-student-s", lookahead=1,
        net=NetConfig(fine_channels=128, coarse_channels=160, fine_blocks=2, coarse_blocks=3, kernel=7, expansion=2,
                      dft="fft"),
    ),
    "student-xs": ModelConfig(
        kind="student", name="f3edge-student-xs", lookahead=1,
        net=NetConfig(fine_channels=96, coarse_channels=128, fine_blocks=1, coarse_blocks=2, kernel=7, expansion=2,
                      dft="fft"),
    ),
}
# the same students distilled into latent space v2 (not released yet)
PRESETS.update({f"{name}-v2": dataclasses.replace(PRESETS[name], name=f"{PRESETS[name].name}-v2", latent_space="f3-v2")
                for name in ("student-s", "student-xs")})
