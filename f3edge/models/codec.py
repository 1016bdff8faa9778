"""F3 teacher and student: STFT encoder -> normalized D=64 latents at 25 Hz -> decoder -> iSTFT.

Both share the framing of `SignalConfig`, so latent k of either model summarises input samples up to
(k+1)*latent_hop and the two latent streams align frame for frame. The teacher's blocks see both
directions; the student's are causal and stream with explicit state.

    encoder: STFT -> (log|X|^2, |X|^c phase) features -> conv -> fine blocks (100 Hz) -> stride-4 conv -> coarse blocks (25 Hz) -> D
    decoder: D -> conv -> coarse blocks -> stride-4 transposed conv -> fine blocks -> (log|X|, phase xy) -> iSTFT
"""
from __future__ import annotations

import torch.nn.functional as F
from torch import Tensor, nn

from ..config import ModelConfig
from ..streaming import (CausalConv1d, CausalConvTranspose1d, CausalISTFT, CausalSTFT, State, StateSpec,
                         StreamingModule, StreamingSequential, spectral_features, polar_to_spectrum)
from .blocks import ConvNeXtBlock, make_conv
from .bottleneck import NoisyChannelNorm, channel_normalize


class SpectralFeatures(StreamingModule):
    """Stateless pointwise map from the complex STFT to log-power + compressed complex features."""

    def __init__(self, power: float):
        super().__init__()
        self.power = power

    def forward(self, spec: Tensor) -> Tensor:
        return spectral_features(spec, self.power)

    def step(self, x: Tensor, state: State) -> tuple[Tensor, State]:
        return self(x), ()


class SpectralHead(StreamingModule):
    """Pointwise: trunk features -> complex spectrum (log-magnitude and a phase direction per bin)."""

    def __init__(self, channels: int, n_bins: int):
        super().__init__()
        self.n_bins = n_bins
        self.proj = nn.Conv1d(channels, 3 * n_bins, 1)

    def forward(self, h: Tensor) -> Tensor:
        out = self.proj(h)
        n = self.n_bins
        return polar_to_spectrum(out[:, :n], out[:, n:2 * n], out[:, 2 * n:])

    def step(self, x: Tensor, state: State) -> tuple[Tensor, State]:
        return self(x), ()


class LatentNorm(StreamingModule):
    """Projection to D channels then per-frame channel normalization (the deterministic bottleneck)."""

    def __init__(self, channels: int, dim: int):
        super().__init__()
        self.proj = nn.Conv1d(channels, dim, 1)

    def forward(self, h: Tensor) -> Tensor:
        return self.proj(h)  # normalization is applied by the model so noise can be injected after it

    def step(self, x: Tensor, state: State) -> tuple[Tensor, State]:
        return self(x), ()


def build_encoder(cfg: ModelConfig) -> StreamingSequential:
    s, n, causal = cfg.signal, cfg.net, cfg.causal
    r = s.stft_per_latent
    return StreamingSequential(
        CausalSTFT(s.n_fft, s.stft_hop, n.dft),
        SpectralFeatures(s.compress),
        make_conv(3 * s.n_bins, n.fine_channels, 1, causal),
        *[ConvNeXtBlock(n.fine_channels, n.kernel, n.expansion, causal) for _ in range(n.fine_blocks)],
        CausalConv1d(n.fine_channels, n.coarse_channels, r, stride=r),
        *[ConvNeXtBlock(n.coarse_channels, n.kernel, n.expansion, causal) for _ in range(n.coarse_blocks)],
        LatentNorm(n.coarse_channels, s.latent_dim),
    )


def build_decoder(cfg: ModelConfig) -> StreamingSequential:
    s, n, causal = cfg.signal, cfg.net, cfg.causal
    r = s.stft_per_latent
    return StreamingSequential(
        make_conv(s.latent_dim, n.coarse_channels, 3, causal),
        *[ConvNeXtBlock(n.coarse_channels, n.kernel, n.expansion, causal) for _ in range(n.coarse_blocks)],
        CausalConvTranspose1d(n.coarse_channels, n.fine_channels, r, stride=r),
        *[ConvNeXtBlock(n.fine_channels, n.kernel, n.expansion, causal) for _ in range(n.decoder_fine)],
        SpectralHead(n.fine_channels, s.n_bins),
        CausalISTFT(s.n_fft, s.stft_hop, n.dft),
    )


class F3Codec(nn.Module):
    """Shared body of teacher and student. Tensors are channel-first: audio (B, 1, L), latents (B, D, T)."""

    def __init__(self, cfg: ModelConfig):
        super().__init__()
        cfg.signal.validate()
        self.cfg = cfg
        self.encoder = build_encoder(cfg)
        self.bottleneck = NoisyChannelNorm(cfg.noise_sigma)
        self.decoder = build_decoder(cfg)

    @property
    def hop(self) -> int:
        return self.cfg.signal.latent_hop

    def pad_to_frames(self, wav: Tensor) -> Tensor:
        rem = (-wav.shape[-1]) % self.hop
        return F.pad(wav, (0, rem)) if rem else wav

    def encode_raw(self, wav: Tensor) -> Tensor:
        """Pre-normalization encoder output, one frame per latent_hop samples (lookahead frames included)."""
        lookahead = self.cfg.lookahead
        wav = self.pad_to_frames(wav)
        if lookahead:
            wav = F.pad(wav, (0, lookahead * self.hop))
        h = self.encoder(wav)
        return h[..., lookahead:]

    def encode(self, wav: Tensor) -> Tensor:
        """(B, 1, L) -> normalized latents (B, D, ceil(L / latent_hop))."""
        return channel_normalize(self.encode_raw(wav))

    def decode_spectrum(self, z: Tensor) -> Tensor:
        """(B, D, T) -> the decoder's complex spectrum (B, 2*n_bins, T*stft_per_latent), real then imaginary.
        Its frame t covers the same samples as frame t of `CausalSTFT` on the time-aligned output."""
        spec = z
        for b in list(self.decoder.blocks)[:-1]:
            spec = b(spec)
        return spec

    def synthesize(self, spec: Tensor) -> Tensor:
        """Decoder spectrum -> time-aligned audio (B, 1, frames * stft_hop)."""
        istft: CausalISTFT = self.decoder.blocks[-1]
        y = istft.forward_with_tail(spec)
        d = self.cfg.signal.synthesis_delay
        return y[..., d: d + spec.shape[-1] * self.cfg.signal.stft_hop]

    def decode(self, z: Tensor) -> Tensor:
        """(B, D, T) -> time-aligned audio (B, 1, T * latent_hop)."""
        return self.synthesize(self.decode_spectrum(z))

    def forward(self, wav: Tensor, sigma: float | None = None) -> tuple[Tensor, Tensor]:
        """Training pass: (latents before noise, reconstruction from noisy latents)."""
        z = channel_normalize(self.encode_raw(wav))
        noisy = self.bottleneck(z, sigma) if sigma is not None else z
        return z, self.decode(noisy)

    def num_parameters(self, part: str | None = None) -> int:
        mod = self if part is None else getattr(self, part)
        return sum(p.numel() for p in mod.parameters())


class F3Teacher(F3Codec):
    """Non-causal server model."""

    def __init__(self, cfg: ModelConfig):
        if cfg.kind != "teacher":
            raise ValueError("F3Teacher needs a teacher config")
        super().__init__(cfg)


class F3Student(F3Codec):
    """Causal streaming model. Steps take one latent frame of audio (latent_hop samples) per frame.

    With lookahead L, the encoder's first L step outputs are warm-up (discarded by the caller) and
    latent k is emitted after audio up to (k+1+L)*latent_hop has arrived.
    """

    def __init__(self, cfg: ModelConfig):
        if cfg.kind != "student":
            raise ValueError("F3Student needs a student config")
        if cfg.lookahead not in (0, 1, 2):
            raise ValueError("lookahead must be 0, 1 or 2 latent frames")
        super().__init__(cfg)

    # --- encoder ---
    def encoder_state_spec(self, batch: int = 1) -> list[StateSpec]:
        return self.encoder.state_spec(batch)

    def encoder_init_state(self, batch: int = 1) -> State:
        return self.encoder.init_state(batch)

    def encoder_step(self, chunk: Tensor, state: State) -> tuple[Tensor, State]:
        """(B, 1, n*latent_hop) audio -> normalized latents (B, D, n) (delayed by `lookahead` frames)."""
        h, new_state = self.encoder.step(chunk, state)
        return channel_normalize(h), new_state

    # --- decoder ---
    def decoder_state_spec(self, batch: int = 1) -> list[StateSpec]:
        return self.decoder.state_spec(batch)

    def decoder_init_state(self, batch: int = 1) -> State:
        return self.decoder.init_state(batch)

    def decoder_step(self, z: Tensor, state: State) -> tuple[Tensor, State]:
        """(B, D, n) latents -> (B, 1, n*latent_hop) audio, lagging by `synthesis_delay` samples."""
        return self.decoder.step(z, state)

    def decoder_tail(self, state: State) -> Tensor:
        """Audio still held in the overlap-add tail after the last frame (synthesis_delay samples)."""
        return state[-1]


def build_model(cfg: ModelConfig) -> F3Codec:
    return F3Teacher(cfg) if cfg.kind == "teacher" else F3Student(cfg)
