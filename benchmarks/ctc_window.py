"""Where the context-stacked latents' lead on the linear CTC probe comes from: the 80 ms of future in their
centred +-2 frame window, or the window itself? The same CTC probe (`probes.ctc_probe`, same splits and
seeds) on: the centred window; a causal window of the same width (frames t-4..t, which a streaming
encoder can see); a representation encoder's features, per frame, in the same centred window and in the
causal one; its features beside the raw latent of the frame; and, with --layers, the output of inner layers of
the encoder per frame (is one frame's readout better before the last blocks?).

    python -m benchmarks.ctc_window --representation docs/results/v2/models/f3edge-repr-v2b \
        --json docs/results/probes/v2/ctc_window.json
    python -m benchmarks.ctc_window --representation docs/results/v2/models/f3edge-repr-v2c --layers 4 6 8 \
        --json docs/results/probes/v2/ctc_window_v2c.json
"""
from __future__ import annotations

import argparse
import sys

import numpy as np
import torch

from . import probes, spoken_digits
from .json_out import emit


def causal_stacked(z: np.ndarray, width: int = 5) -> np.ndarray:
    """Frames t-width+1 .. t, the first frame repeated before the start (as `probes.stacked` pads)."""
    pad = np.pad(z, ((width - 1, 0), (0, 0)), mode="edge")
    return np.concatenate([pad[i:i + len(z)] for i in range(width)], axis=1)


def window_rows(latents: list[np.ndarray], feats: list[np.ndarray], name: str) -> dict[str, list[np.ndarray]]:
    return {"stacked latents (t-2..t+2, centred)": [probes.stacked(z) for z in latents],
            "stacked latents (t-4..t, causal)": [causal_stacked(z) for z in latents],
            f"{name} (per frame)": feats,
            f"{name} stacked t-2..t+2": [probes.stacked(f) for f in feats],
            f"{name} stacked t-4..t (causal)": [causal_stacked(f) for f in feats],
            f"{name} + latents (per frame)": [np.concatenate([f, z], 1) for f, z in zip(feats, latents)]}


def layer_outputs(encoder, z: np.ndarray, layers: list[int]) -> list[np.ndarray]:
    """(T, D) latents -> the (T, C) outputs of the encoder's layers `layers` (0: the input projection, 1..N: its
    blocks, N+1: the output projection, whose output is the features)."""
    blocks = encoder.net.blocks
    bad = [i for i in layers if not 0 <= i < len(blocks)]
    if bad:
        raise ValueError(f"layer {bad[0]} out of range: the encoder has layers 0..{len(blocks) - 1}")
    out = {}
    with torch.inference_mode():
        x = torch.from_numpy(np.ascontiguousarray(z.T))[None]
        for i, b in enumerate(blocks):
            x = b(x)
            if i in layers:
                out[i] = x[0].T.numpy().copy()
    return [out[i] for i in layers]


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.ctc_window", description=__doc__.splitlines()[0])
    p.add_argument("--model", default=None, help="the autoencoder whose latents are probed (default: bundled default)")
    p.add_argument("--representation", default=None,
                   help="bundled name or checkpoint folder (default: the one bundled for the model's latent space)")
    p.add_argument("--layers", type=int, action="extend", nargs="+", default=[],   # repeated flags add up
                   help="also probe these inner layers' outputs per frame (0: input projection, 1..N: blocks)")
    p.add_argument("--cache", default="data/probe_digits")
    p.add_argument("--json")
    a = p.parse_args(argv)
    torch.set_num_threads(1)
    if not spoken_digits.espeak_available():
        print("ctc_window: needs espeak-ng (apt-get install espeak-ng)", file=sys.stderr)
        return 2
    if a.representation is None:
        import f3edge
        from f3edge.registry import bundled_representation
        a.representation = bundled_representation(f3edge.load(a.model).latent_space)
        if a.representation is None:
            print("ctc_window: no representation encoder is bundled for this model's latent space", file=sys.stderr)
            return 2
    name = a.representation.rstrip("/").split("/")[-1]
    from f3edge.errors import F3EdgeInputError
    try:
        tok, feats, labels, speakers = probes.digit_features(a.model, {name: a.representation},
                                                             spoken_digits.digit_strings(a.cache), False,
                                                             rows={"latents", name})
    except F3EdgeInputError as e:
        print(f"ctc_window: {e}", file=sys.stderr)
        return 2
    result = {"task": "CTC window diagnostic: connected English digit strings, speaker-disjoint; digit error rate",
              "model": tok.model_id, "latent_space": tok.latent_space, "representation": a.representation,
              "clips": len(labels), "rows": {}}
    rows = window_rows(feats["latents"], feats[name], name)
    if a.layers:
        from f3edge.representation import load_representer
        encoder = load_representer(a.representation).encoder
        try:
            inner = [layer_outputs(encoder, z, a.layers) for z in feats["latents"]]
        except ValueError as e:
            print(f"ctc_window: {e}", file=sys.stderr)
            return 2
        for j, layer in enumerate(a.layers):
            rows[f"{name} layer {layer} (per frame)"] = [o[j] for o in inner]
    for row, seqs in rows.items():
        result["rows"][row] = probes.ctc_row(seqs, labels, speakers)
        print(f"{row}: {result['rows'][row]['digit_error_rate']['mean']:.3f}", file=sys.stderr)
    emit(result, a.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
