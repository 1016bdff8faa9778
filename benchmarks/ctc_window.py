"""Where the context-stacked latents' lead on the linear CTC probe comes from: the 80 ms of future in their
centred +-2 frame window, or the window itself? The same CTC probe (`probes.ctc_probe`, same splits and
seeds) on: the centred window; a causal window of the same width (frames t-4..t, which a streaming
encoder can see); a representation encoder's features, per frame and in the same centred window; and its
features beside the raw latent of the frame.

    python -m benchmarks.ctc_window --representation f3edge-repr-v2b --json docs/results/probes/v2/ctc_window.json
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
            f"{name} + latents (per frame)": [np.concatenate([f, z], 1) for f, z in zip(feats, latents)]}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.ctc_window", description=__doc__.splitlines()[0])
    p.add_argument("--model", default=None, help="the autoencoder whose latents are probed (default: bundled default)")
    p.add_argument("--representation", default="f3edge-repr-v2b", help="bundled name or checkpoint folder")
    p.add_argument("--cache", default="data/probe_digits")
    p.add_argument("--json")
    a = p.parse_args(argv)
    torch.set_num_threads(1)
    if not spoken_digits.espeak_available():
        print("ctc_window: needs espeak-ng (apt-get install espeak-ng)", file=sys.stderr)
        return 2
    name = a.representation.rstrip("/").split("/")[-1]
    tok, feats, labels, speakers = probes.digit_features(a.model, {name: a.representation},
                                                         spoken_digits.digit_strings(a.cache), False,
                                                         rows={"latents", name})
    result = {"task": "CTC window diagnostic: connected English digit strings, speaker-disjoint; digit error rate",
              "model": tok.model_id, "latent_space": tok.latent_space, "clips": len(labels), "rows": {}}
    for row, seqs in window_rows(feats["latents"], feats[name], name).items():
        result["rows"][row] = probes.ctc_row(seqs, labels, speakers)
        print(f"{row}: {result['rows'][row]['digit_error_rate']['mean']:.3f}", file=sys.stderr)
    emit(result, a.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
