"""What one training step optimizes, as modules (so DDP sees a single forward per step)."""
from __future__ import annotations

import contextlib

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ..losses import ReconstructionLoss
from ..models import F3Codec, channel_normalize
from .spectral_losses import PhaseLossWeights, phase_aware_losses


def autocast(device: torch.device, enabled: bool):
    if not enabled:
        return contextlib.nullcontext()
    return torch.autocast(device_type=device.type, dtype=torch.bfloat16)


class Reconstruction(nn.Module):
    """Multi-resolution mel/STFT losses on the audio, plus the phase-aware terms on the decoder's spectrum."""

    def __init__(self, model: F3Codec, recon: ReconstructionLoss, phase: PhaseLossWeights):
        super().__init__()
        self.recon, self.phase = recon, phase
        s = model.cfg.signal
        self.n_fft, self.hop = s.n_fft, s.stft_hop

    def forward(self, spec: Tensor, y: Tensor, target: Tensor) -> dict[str, Tensor]:
        losses = self.recon(y, target)
        out = {"total": losses["total"], "mel": losses["mel"], "stft": losses["stft"]}
        if self.phase.any:
            extra = phase_aware_losses(spec, y, target, self.n_fft, self.hop, self.phase)
            out["total"] = out["total"] + extra.pop("total")
            out.update(extra)
        return out


class AutoencoderObjective(nn.Module):
    """Teacher (or from-scratch student): reconstruct the input through the noisy bottleneck."""

    def __init__(self, model: F3Codec, recon: ReconstructionLoss, bf16: bool,
                 phase: PhaseLossWeights = PhaseLossWeights()):
        super().__init__()
        self.model, self.bf16 = model, bf16
        self.loss = Reconstruction(model, recon, phase)

    def forward(self, wav: Tensor, sigma: float) -> dict[str, Tensor]:
        with autocast(wav.device, self.bf16):
            z = channel_normalize(self.model.encode_raw(wav))
            spec = self.model.decode_spectrum(self.model.bottleneck(z, sigma))
        spec = spec.float()
        y = self.model.synthesize(spec)[..., : wav.shape[-1]]
        losses = self.loss(spec, y, wav)
        return {"loss": losses.pop("total"), **losses, "_y": y, "_target": wav}


class DistillObjective(nn.Module):
    """Student encoder regresses the frozen teacher's normalized latents; the student decoder learns to
    decode both noisy teacher latents (what a server LM emits) and its own latents (end to end)."""

    def __init__(self, student: F3Codec, recon: ReconstructionLoss, bf16: bool, latent_weight: float,
                 phase: PhaseLossWeights = PhaseLossWeights()):
        super().__init__()
        self.model, self.bf16, self.latent_weight = student, bf16, latent_weight
        self.loss = Reconstruction(student, recon, phase)

    def forward(self, wav: Tensor, sigma: float, teacher_latents: Tensor) -> dict[str, Tensor]:
        with autocast(wav.device, self.bf16):
            z_student = channel_normalize(self.model.encode_raw(wav))
            noisy_teacher = self.model.bottleneck(teacher_latents, sigma)
            spec = self.model.decode_spectrum(torch.cat([noisy_teacher, z_student], dim=0))
        spec = spec.float()
        y = self.model.synthesize(spec)[..., : wav.shape[-1]]
        latent = F.mse_loss(z_student.float(), teacher_latents.float())
        target = torch.cat([wav, wav], dim=0)
        losses = self.loss(spec, y, target)
        total = losses.pop("total") + self.latent_weight * latent
        return {"loss": total, **losses, "latent_mse": latent, "_y": y, "_target": target,
                "latent_snr_db": -10 * torch.log10(latent.detach() / teacher_latents.float().pow(2).mean())}


class RepresentationObjective(nn.Module):
    """RQ-MTP on frozen latents: the quantizer's codes of the latents are the targets of the K next-code heads
    over the representation encoder's features. The latents come from a frozen autoencoder; nothing here
    reaches back into it."""

    def __init__(self, model, bf16: bool, rq_weight: float = 1.0, lm_weight: float = 0.0, lm_decoder=None,
                 lm_prompt_length: int = 2, signal=None, ctc_weight: float = 0.0, distill_weight: float = 0.0,
                 distill_delay: int = 0):
        super().__init__()
        self.model, self.bf16, self.rq_weight, self.lm_weight = model, bf16, rq_weight, lm_weight
        self.ctc_weight = ctc_weight   # > 0: the character CTC head reads the same transcribed clips (char_ctc.py)
        self.distill_weight, self.distill_delay = distill_weight, distill_delay   # encoder_distill.py, the same clips
        self.lm_decoder = lm_decoder   # frozen; not part of `model`, so never saved or optimized
        self.lm_prompt_length = lm_prompt_length
        self.signal = signal           # the audio's geometry, for log-mel RQ targets

    def forward(self, latents: Tensor | None, lm_batch=None, wav: Tensor | None = None) -> dict[str, Tensor]:
        """`latents`: crops for RQ-MTP (None when it is off), `wav` their audio (log-mel targets only);
        `lm_batch`: (latents of transcribed clips (B, D, T), valid frames (B,), tokens (B, N), CTC targets,
        distillation targets) when the frozen-LM objective is on; the CTC targets ((ids, lengths) of characters
        or phones, ctc_units.targets) are None unless the CTC objective is on too, and the distillation targets
        ((B, T, width), encoder_distill.DistillTargets) unless distillation is."""
        from .rq_mtp import quantizer_frames, rq_mtp_loss
        cfg = self.model.cfg
        out, loss = {}, 0.0
        if latents is not None:   # None: the RQ-MTP objective is off (rq_weight 0)
            frames = quantizer_frames(cfg.rq_source, latents.float(), wav,
                                      *((self.signal.sample_rate, self.signal.latent_hop) if self.signal else (0, 0)),
                                      self.model.quantizer.input_statistics())
            codes = self.model.quantizer.codes(frames, cfg.rq_stack)
            with autocast(latents.device, self.bf16):
                logits = self.model.heads(self.model.encoder(latents))
            rq, accs = rq_mtp_loss(logits, codes)
            out = {"rq_ce": rq.detach(), **{f"rq_acc{k}": a for k, a in enumerate(accs, start=1)}}
            loss = self.rq_weight * rq
        if lm_batch is not None:
            from .lm_objective import frozen_lm_loss
            zl, frames, tokens, units, distill = lm_batch
            with autocast(zl.device, self.bf16):
                features = self.model.encoder(zl).transpose(1, 2)
                memory = self.model.lm_proj(features)
                lm = frozen_lm_loss(self.lm_decoder, memory, frames, tokens, self.lm_prompt_length)
            loss = loss + self.lm_weight * lm
            out["lm_ce"] = lm.detach()
            if units is not None:
                from .char_ctc import char_ctc_loss
                with autocast(zl.device, self.bf16):
                    logits = self.model.ctc_head(features)
                ctc = char_ctc_loss(logits, frames, *units)
                loss = loss + self.ctc_weight * ctc
                out["ctc_ce"] = ctc.detach()
            if distill is not None:
                from .encoder_distill import encoder_distill_loss
                with autocast(zl.device, self.bf16):
                    pred = self.model.distill_head(features)
                d = encoder_distill_loss(pred, distill, frames, self.distill_delay)
                loss = loss + self.distill_weight * d
                out["distill_loss"] = d.detach()
        out["loss"] = loss
        return out
