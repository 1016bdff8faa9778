"""RQ-MTP code accuracy on held-out speech against trivial predictors: each head k predicts the code k frames
ahead of what the encoder has seen; baselines are "repeat the last code fully seen" and "the most frequent
training code" on the same alignment.

    python -m benchmarks.rq_accuracy --representation runs/repr/model --model f3edge-teacher-v2 \
        --dev ../shared/data/dev --train-data data/corpus --json docs/results/probes/rq_accuracy.json
"""
from __future__ import annotations

import argparse
import sys

import numpy as np
import torch

import f3edge
from f3edge.audio import read_audio
from f3edge.data import load_clips, training_split
from f3edge.registry import DEFAULT_TEACHER
from f3edge.representation import load_representer
from f3edge.training.rq_mtp import aligned, baseline_accuracies, quantizer_frames

from .json_out import emit


def codes_and_logits(tok, rep, model, path: str):
    x = read_audio(path, tok.sample_rate, min_samples=tok.hop)
    z = torch.from_numpy(tok.encode(x).T.copy())[None]
    with torch.inference_mode():
        frames = quantizer_frames(rep.cfg.rq_source, z, torch.from_numpy(x)[None], tok.sample_rate, tok.hop,
                                  model.quantizer.input_statistics())
        codes = model.quantizer.codes(frames, rep.cfg.rq_stack)
        logits = model.heads(model.encoder(z))
    return codes, logits


def measure(representation: str, source_model: str, dev: str, train_data: str, train_clips: int = 200, seed: int = 0) -> dict:
    tok = f3edge.load(source_model)
    rep = load_representer(representation)
    rep.check_latent_space(tok.latent_space, tok.model_id)
    model = rep.loaded.model.eval()
    pool = training_split(load_clips(train_data))
    rng = np.random.default_rng(seed)
    counts = np.zeros(rep.cfg.rq_codebook, np.int64)
    for i in rng.choice(len(pool), size=min(train_clips, len(pool)), replace=False):
        c, _ = codes_and_logits(tok, rep, model, pool[i].path)
        counts += np.bincount(c.flatten().numpy(), minlength=len(counts))
    most = int(counts.argmax())
    k_max = rep.cfg.mtp_k
    hits = {k: [0, 0] for k in range(1, k_max + 1)}
    base = {k: {"repeat_last_code": [0, 0], "most_frequent_code": [0, 0]} for k in hits}
    for clip in load_clips(dev):
        codes, logits = codes_and_logits(tok, rep, model, clip.path)
        for k, (lg, target) in enumerate(aligned(logits, codes), start=1):
            hits[k][0] += int((lg.argmax(1) == target).sum())
            hits[k][1] += target.numel()
            n = codes.shape[1]
            for name, acc in baseline_accuracies(codes, k, rep.cfg.rq_stack, most).items():
                count = (n - k - (rep.cfg.rq_stack - 1)) if name == "repeat_last_code" else (n - k)
                base[k][name][0] += acc * max(count, 0)
                base[k][name][1] += max(count, 0)
    used = int((counts > 0).sum())
    return {"representation": representation, "latents_from": tok.model_id, "latent_space": tok.latent_space,
            "codebook": rep.cfg.rq_codebook, "codes_used_in_training_sample": used,
            "most_frequent_code_share": round(float(counts.max() / counts.sum()), 4),
            "heads": {k: {"accuracy": round(h / max(n, 1), 4),
                          **{b: round(v[0] / max(v[1], 1), 4) for b, v in base[k].items()}}
                      for k, (h, n) in hits.items()}}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.rq_accuracy", description=__doc__.splitlines()[0])
    p.add_argument("--representation", required=True)
    p.add_argument("--model", default=DEFAULT_TEACHER, help="the model whose latents the encoder reads")
    p.add_argument("--dev", required=True)
    p.add_argument("--train-data", default="data/corpus")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--json")
    a = p.parse_args(argv)
    torch.set_num_threads(a.threads)
    r = measure(a.representation, a.model, a.dev, a.train_data)
    emit(r, a.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
