"""`f3edge data shard CORPUS OUT --max-mib 60`: a random, seeded sample of the training split as 16-bit FLAC
plus a manifest, small enough to travel with a GPU job (the device machine takes at most 64 MiB and cannot
reach the package mirrors that `data build` reads). Held-out sources never enter a shard."""
from __future__ import annotations

import csv
import sys
from pathlib import Path

import numpy as np
import soundfile as sf

from ..audio import atomic_path
from .corpus import FIELDS
from .manifest import load_clips, training_split


def build_shard(corpus: str | Path, out: str | Path, max_mib: float = 60.0, seed: int = 0) -> Path:
    out = Path(out)
    clips = training_split(load_clips(corpus))
    if not clips:
        from ..errors import TrainingDataError
        raise TrainingDataError(f"{corpus}: no training clips to shard")
    order = np.random.default_rng(seed).permutation(len(clips))
    (out / "clips").mkdir(parents=True, exist_ok=True)
    budget, used, rows = max_mib * 2**20, 0, []
    for i in order:
        c = clips[i]
        name = f"clips/{len(rows):05d}.flac"
        audio, sr = sf.read(c.path, dtype="int16", always_2d=False)
        with atomic_path(out / name) as t:
            sf.write(t, audio, sr, format="FLAC", subtype="PCM_16")
        size = (out / name).stat().st_size
        if used + size > budget:
            (out / name).unlink()
            break
        used += size
        rows.append({"path": name, "package": c.package, "lang": c.lang, "orig_sr": c.orig_sr,
                     "seconds": f"{c.seconds:.3f}", "license": c.license, "kind": c.kind})
    with atomic_path(out / "manifest.tsv") as t, open(t, "w", newline="") as f:
        w = csv.DictWriter(f, FIELDS, delimiter="\t")
        w.writeheader()
        w.writerows(rows)
    hours = sum(float(r["seconds"]) for r in rows) / 3600
    print(f"{out}: {len(rows)} clips, {hours:.2f} h, {used / 2**20:.1f} MiB", file=sys.stderr)
    return out / "manifest.tsv"
