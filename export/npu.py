"""NPU-readiness report: delegation, static shapes, ops phone NPUs and delegates reject,
and the latent SNR of an fp16 simulation (what the Apple Neural Engine computes)."""
from __future__ import annotations

import numpy as np

# Op names (lower-cased, any runtime's spelling) that split delegate graphs or that NPUs reject.
RISKY_OPS = {
    "elu": "ELU: not delegated by XNNPACK, 4 ops in LiteRT",
    "layernormalization": "channel LayerNorm: not delegated by XNNPACK",
    "native_layer_norm": "channel LayerNorm: not delegated by XNNPACK",
    "layer_norm": "channel LayerNorm",
    "reciprocal": "reciprocal: not delegated by XNNPACK",
    "pow": "pow: not delegated by XNNPACK",
    "reducemean": "channel-dim mean: not delegated by XNNPACK",
    "mean": "channel-dim mean: not delegated by XNNPACK",
    "where": "masking (check for -inf)",
}


def risky_ops(op_types) -> dict[str, str]:
    found = {}
    for op in op_types:
        key = op.lower().replace("aten_", "").replace("_default", "").replace("_dim", "").replace("_tensor_scalar", "")
        if key in RISKY_OPS:
            found[op] = RISKY_OPS[key]
    return found


def fp16_latent_snr(step_encoder, tok, clip: np.ndarray) -> float:
    """Stream a clip through an fp16 copy of the encoder step; SNR of its latents vs eager fp32."""
    from f3edge.metrics import snr_db
    from f3edge.runtimes.session import EncoderSession
    from f3edge.runtimes.torch_runner import TorchRunner
    from .coreml import _Fp16
    import copy
    sim = _Fp16(copy.deepcopy(step_encoder))
    from dataclasses import replace
    from f3edge.runtimes.eager import streaming_contract
    inputs, _ = step_encoder.io()
    contract = replace(streaming_contract(tok.model), encoder_inputs=tuple(t.to_dict() for t in inputs))
    with EncoderSession(TorchRunner(sim), contract) as s:
        z = np.concatenate([s.push(clip), s.flush()])
    ref = tok.encode(clip)
    return snr_db(ref, z[: len(ref)])


def report(target: str, part_info: dict, step, tok, clip: np.ndarray | None) -> dict:
    ops: list[str] = []
    if "ops" in part_info:
        ops = list(part_info["ops"].get("op_types", {}))
    non_delegated = part_info.get("delegation", {}).get("non_delegated_ops")
    out = {
        "static_shapes": True,   # every step graph is exported with fixed shapes
        "fully_delegated": (not non_delegated) if non_delegated is not None else None,
        "non_delegated_ops": non_delegated,
        "risky_ops": risky_ops(ops + list(non_delegated or {})),
    }
    if clip is not None and part_info.get("name") == "encoder":
        out["fp16_simulation_latent_snr_db"] = round(fp16_latent_snr(step, tok, clip), 2)
    return out
