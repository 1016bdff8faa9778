"""What one training step optimizes, as modules (so DDP sees a single forward per step)."""
from __future__ import annotations

import contextlib

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ..losses import ReconstructionLoss
from ..models import F3Codec, channel_normalize


def autocast(device: torch.device, enabled: bool):
    if not enabled:
        return contextlib.nullcontext()
    return torch.autocast(device_type=device.type, dtype=torch.bfloat16)


class AutoencoderObjective(nn.Module):
    """Teacher (or from-scratch student): reconstruct the input through the noisy bottleneck."""

    def __init__(self, model: F3Codec, recon: ReconstructionLoss, bf16: bool):
        super().__init__()
        self.model, self.recon, self.bf16 = model, recon, bf16

    def forward(self, wav: Tensor, sigma: float) -> dict[str, Tensor]:
        with autocast(wav.device, self.bf16):
            _, y = self.model(wav, sigma)
        y = y.float()[..., : wav.shape[-1]]
        losses = self.recon(y, wav)
        return {"loss": losses["total"], "mel": losses["mel"], "stft": losses["stft"], "_y": y, "_target": wav}


class DistillObjective(nn.Module):
    """Student encoder regresses the frozen teacher's normalized latents; the student decoder learns to
    decode both noisy teacher latents (what a server LM emits) and its own latents (end to end)."""

    def __init__(self, student: F3Codec, recon: ReconstructionLoss, bf16: bool, latent_weight: float):
        super().__init__()
        self.model, self.recon, self.bf16, self.latent_weight = student, recon, bf16, latent_weight

    def forward(self, wav: Tensor, sigma: float, teacher_latents: Tensor) -> dict[str, Tensor]:
        with autocast(wav.device, self.bf16):
            z_student = channel_normalize(self.model.encode_raw(wav))
            noisy_teacher = self.model.bottleneck(teacher_latents, sigma)
            y = self.model.decode(torch.cat([noisy_teacher, z_student], dim=0))
        latent = F.mse_loss(z_student.float(), teacher_latents.float())
        target = torch.cat([wav, wav], dim=0)
        y = y.float()[..., : wav.shape[-1]]
        losses = self.recon(y, target)
        total = losses["total"] + self.latent_weight * latent
        return {"loss": total, "mel": losses["mel"], "stft": losses["stft"], "latent_mse": latent,
                "_y": y, "_target": target,
                "latent_snr_db": -10 * torch.log10(latent.detach() / teacher_latents.float().pow(2).mean())}
