"""Held-out frozen-LM loss of finished representation encoders, scored as a training run scores it: the run
config's held-out transcribed clips, frozen LM and teacher, and the same scorer as its lm_eval_log.csv. A
checkpoint made outside a run (an average of runs' weights) can then sit beside the runs' logged losses, and
scoring a run's own end weights reproduces its log's last row (a check that the clips are the same).

    python -m benchmarks.held_out_lm --config configs/long/repr_ctc_speed25.json \\
        --representation runs/long/repr_ctc_speed25/model --threads 1
"""
from __future__ import annotations

import argparse
import tempfile


def held_out_losses(config: str, representations: list[str], threads: int = 1) -> dict[str, dict]:
    """{representation: {"lm_ce_held_out", "clips"}} for each checkpoint (registry names resolve)."""
    import torch

    from f3edge.registry import resolve_representation_path
    from f3edge.representation import load_representation
    from f3edge.training import TrainConfig
    from f3edge.training.trainer import Trainer

    with tempfile.TemporaryDirectory(prefix="held_out_lm.") as out:
        # the run's setup (frozen LM, teacher, held-out split) without its schedule; nothing is trained
        cfg = TrainConfig.from_file(config, out=out, threads=threads)
        if not (cfg.eval_every and cfg.lm_held_out and cfg.lm_weight > 0):
            raise SystemExit(f"{config}: holds out no transcribed clips (needs lm_weight, lm_held_out, eval_every)")
        trainer = Trainer(cfg, recipe="repr")
        scores = {}
        for name in representations:
            model = load_representation(resolve_representation_path(name)).model.to(trainer.device).eval()
            with torch.no_grad():
                loss = trainer.held_lm.score(model, trainer.teacher, trainer.lm_decoder, trainer.device)
            scores[name] = {"lm_ce_held_out": round(loss, 5), "clips": len(trainer.held_lm.clips)}
            print(f"{name}: held-out LM loss {loss:.4f} on {len(trainer.held_lm.clips)} clips", flush=True)
    return scores


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--config", required=True, help="the training config whose held-out clips and frozen LM to use")
    ap.add_argument("--representation", action="append", required=True, help="checkpoint folder or bundled name")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--json", help="also write the scores here")
    a = ap.parse_args(argv)
    from benchmarks.json_out import emit
    emit({"config": a.config, "scores": held_out_losses(a.config, a.representation, a.threads)}, a.json)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
