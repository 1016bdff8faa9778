"""Multiply-accumulates per second of audio, counted by torch's FLOP counter on the streaming steps."""
from __future__ import annotations

import torch
from torch.utils.flop_counter import FlopCounterMode


def count_macs(module: torch.nn.Module, inputs: tuple) -> int:
    with FlopCounterMode(display=False) as counter, torch.no_grad():
        module(*inputs)
    return counter.get_total_flops() // 2


def student_macs_per_second(tok) -> dict:
    from f3edge.export.steps import DecoderStep, EncoderStep, example_inputs
    es, ds = EncoderStep(tok.model), DecoderStep(tok.model)
    per_s = tok.frame_rate
    return {"encoder": int(count_macs(es, example_inputs(es)) * per_s),
            "decoder": int(count_macs(ds, example_inputs(ds)) * per_s)}


def full_model_macs_per_second(tok, seconds: float = 4.0) -> dict:
    model = tok.model
    x = torch.zeros(1, 1, int(seconds * tok.sample_rate))
    enc = count_macs(type("E", (torch.nn.Module,), {"forward": lambda self, w: model.encode(w)})(), (x,))
    z = torch.zeros(1, tok.latent_dim, int(seconds * tok.frame_rate))
    dec = count_macs(type("D", (torch.nn.Module,), {"forward": lambda self, v: model.decode(v)})(), (z,))
    return {"encoder": int(enc / seconds), "decoder": int(dec / seconds)}
