"""Causal STFT and inverse STFT without an FFT op for any exporter to support: either a dense fixed-basis
convolution (`dft="dense"`) or a two-stage factorized DFT made of small linear layers (`dft="fft"`,
streaming/fft.py: 1/80 of the constants, 1/6 of the multiply-adds). Both compute the same transform.

Frame t of the analysis covers samples [t*hop - (n_fft - hop), t*hop + hop): it ends with its hop block,
so it needs no future samples. The synthesis is an overlap-add of inverse-DFT frames; its output lags
the analysed signal by `n_fft - hop` samples (`SignalConfig.synthesis_delay`).
"""
from __future__ import annotations

import math
from fractions import Fraction

import torch
import torch.nn.functional as F
from torch import Tensor

from .contract import State, StateSpec, StreamingModule
from .conv import with_history
from .fft import InverseRealDFT, RealDFT

DFT_KINDS = ("dense", "fft")


def _check_dft(dft: str) -> None:
    if dft not in DFT_KINDS:
        raise ValueError(f"dft must be one of {DFT_KINDS}, not {dft!r}")


def hann(n: int) -> Tensor:
    k = torch.arange(n, dtype=torch.float64)
    return 0.5 - 0.5 * torch.cos(2 * math.pi * k / n)  # periodic: overlap-adds to a constant


def _dft_angles(n_fft: int) -> tuple[Tensor, Tensor]:
    k = torch.arange(n_fft // 2 + 1, dtype=torch.float64)[:, None]
    n = torch.arange(n_fft, dtype=torch.float64)[None, :]
    ang = 2 * math.pi * k * n / n_fft
    return torch.cos(ang), torch.sin(ang)


class CausalSTFT(StreamingModule):
    """(B, 1, L) audio -> (B, 2*n_bins, L/hop): real parts, then imaginary parts."""

    def __init__(self, n_fft: int, hop: int, dft: str = "dense"):
        super().__init__()
        _check_dft(dft)
        if dft == "fft":
            if n_fft % hop:
                raise ValueError("n_fft must be a multiple of hop")
            self.register_buffer("window", hann(n_fft).float(), persistent=False)
            self.dft = RealDFT(n_fft)
        else:
            cos, sin = _dft_angles(n_fft)
            w = hann(n_fft)[None, :]
            basis = torch.cat([cos * w, -sin * w], dim=0)[:, None, :]
            self.register_buffer("basis", basis.float(), persistent=False)
        self.n_fft, self.hop = n_fft, hop
        self.pad = n_fft - hop
        self.time_stride = hop

    def _analyse(self, xx: Tensor) -> Tensor:
        """(B, 1, pad + T*hop) -> (B, 2*n_bins, T)."""
        if not hasattr(self, "dft"):
            return F.conv1d(xx, self.basis, stride=self.hop)
        r = self.n_fft // self.hop
        blocks = xx.reshape(xx.shape[0], -1, self.hop)                      # (B, T + r - 1, hop)
        n = blocks.shape[1] - (r - 1)
        frames = torch.cat([blocks[:, j: j + n] for j in range(r)], dim=2)  # (B, T, n_fft), slices only
        return self.dft(frames * self.window).transpose(1, 2)

    def forward(self, x: Tensor) -> Tensor:
        return self._analyse(F.pad(x, (self.pad, 0)))

    def state_spec(self, batch: int = 1) -> list[StateSpec]:
        return [StateSpec("history", (batch, 1, self.pad))]

    def step(self, x: Tensor, state: State) -> tuple[Tensor, State]:
        xx, new_state = with_history(x, state)
        return self._analyse(xx), new_state

    @property
    def chunk_multiple(self) -> int:
        return self.hop


class CausalISTFT(StreamingModule):
    """(B, 2*n_bins, T) spectrum -> (B, 1, T*hop) audio, delayed by n_fft - hop samples.

    Synthesis is a 1x1 convolution (spectrum -> n_fft windowed samples per frame) followed by an explicit
    overlap-add of n_fft/hop shifted slices. Same numbers as a strided transposed convolution, but the
    runtimes' transposed-conv kernels are slow for this shape (642 -> 1 channels, kernel 640): XNNPACK
    1.9 ms and LiteRT 3.5 ms per 40 ms decoder step, against 0.13 ms for the whole encoder step.
    dft="dense": `basis` is that 1x1 conv weight, (n_fft, 2*n_bins, 1).
    dft="fft": the frames come from the factorized inverse DFT instead (same numbers, ~5 k constants).
    """

    def __init__(self, n_fft: int, hop: int, dft: str = "dense"):
        super().__init__()
        _check_dft(dft)
        if n_fft % hop:
            raise ValueError("n_fft must be a multiple of hop")
        coef = torch.full((n_fft // 2 + 1, 1), 2.0, dtype=torch.float64)
        coef[0] = 1.0
        coef[-1] = 1.0
        w = hann(n_fft)
        # Overlap-added w^2 is constant for a periodic Hann at hop <= n_fft/2: fold it into the basis.
        envelope = (w ** 2).reshape(n_fft // hop, hop).sum(0).mean()
        if dft == "fft":
            self.register_buffer("bin_scale", (coef / n_fft).T.repeat(1, 2).float(), persistent=False)  # (1, 2*n_bins)
            self.register_buffer("window", (w / envelope).float(), persistent=False)
            self.dft = InverseRealDFT(n_fft)
        else:
            cos, sin = _dft_angles(n_fft)
            scale = coef / n_fft * w[None, :] / envelope
            basis = torch.cat([cos * scale, -sin * scale], dim=0).T[:, :, None]    # (n_fft, 2*n_bins, 1)
            self.register_buffer("basis", basis.float(), persistent=False)
        self.n_fft, self.hop = n_fft, hop
        self.tail = n_fft - hop
        self.time_stride = Fraction(1, hop)

    def _frames(self, spec: Tensor) -> Tensor:
        if not hasattr(self, "dft"):
            return F.conv1d(spec, self.basis)
        frames = self.dft(spec.transpose(1, 2) * self.bin_scale) * self.window   # (B, T, n_fft)
        return frames.transpose(1, 2)

    def _overlap_add(self, spec: Tensor) -> Tensor:
        """(B, 2*n_bins, T) -> (B, 1, (T-1)*hop + n_fft)."""
        b, _, t = spec.shape
        r, h = self.n_fft // self.hop, self.hop
        frames = self._frames(spec)                   # (B, n_fft, T): slice j of frame i lands at block i+j
        # channel slices (not select/index ops, which XNNPACK does not delegate)
        blocks = F.pad(frames[:, :h], (0, r - 1))
        for j in range(1, r):
            blocks = blocks + F.pad(frames[:, j * h:(j + 1) * h], (j, r - 1 - j))
        return blocks.transpose(1, 2).reshape(b, 1, (t + r - 1) * h)

    def forward(self, spec: Tensor) -> Tensor:
        return self._overlap_add(spec)[..., : spec.shape[-1] * self.hop]

    def forward_with_tail(self, spec: Tensor) -> Tensor:
        """Full overlap-add output including the last frames' tail: (T-1)*hop + n_fft samples."""
        return self._overlap_add(spec)

    def state_spec(self, batch: int = 1) -> list[StateSpec]:
        return [StateSpec("tail", (batch, 1, self.tail))]

    def step(self, spec: Tensor, state: State) -> tuple[Tensor, State]:
        y = self._overlap_add(spec)
        n = spec.shape[-1] * self.hop
        y = torch.cat([y[..., : self.tail] + state[0], y[..., self.tail:]], dim=-1)
        return y[..., :n], (y[..., n:],)


def spectral_features(spec: Tensor, power: float, eps: float = 1e-6) -> Tensor:
    """The encoder's input: scaled log power, then the magnitude-compressed complex spectrum
    |X|^power * X/|X| (3 * n_bins channels). The explicit log power matters: a conv net recovers
    magnitudes from (re, im) only slowly, and training stalled on a blurred spectrum without it."""
    n = spec.shape[1] // 2
    re, im = spec[:, :n], spec[:, n:]
    # |X|^2 of loud audio exceeds fp16's range (65504) on the Neural Engine: square X/4 instead and add
    # log(16) back. In fp32 this is the same number; eps/16 stays representable in fp16.
    re4, im4 = re * 0.25, im * 0.25
    log_power = torch.log(re4 * re4 + im4 * im4 + eps / 16.0) + _LOG16
    scale = torch.exp(((power - 1.0) / 2.0) * log_power)   # = mag2**((p-1)/2); exp/log delegate to XNNPACK, pow does not
    return torch.cat([0.1 * log_power, re * scale, im * scale], dim=1)


_LOG16 = math.log(16.0)


def polar_to_spectrum(log_mag: Tensor, px: Tensor, py: Tensor, max_log: float = 7.0) -> Tensor:
    """Decoder head output -> complex spectrum. The phase is the direction of (px, py); no atan/cos needed."""
    mag = torch.exp(torch.clamp(log_mag, max=max_log))
    inv = torch.rsqrt(px * px + py * py + 1e-6)
    return torch.cat([mag * px * inv, mag * py * inv], dim=1)
