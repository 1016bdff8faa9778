"""Frozen-feature probes of what a representation carries; 3 seeds (`--seeds`), 95 % intervals (Student t).

* `lid`: language ID among the corpus languages that come from two or more packages, package-disjoint:
  for each language one package (speakers, recording chain) is held out, drawn per seed, so a probe
  cannot win by recognising a recording setup.
* `lid-tts`: language ID on numbers read in the 8 corpus languages by the same 12 espeak-ng voice variants
  in babble (0..10 dB), voice-disjoint (4 variants held out per seed): one synthesizer and the same voices
  for every language, so no recording chain to recognise (`spoken_digits.numbers_in_languages`).
* `kws`: which English digit is said (10 classes) in two-talker babble at -5..5 dB SNR, speaker-disjoint:
  a third of the 85 speakers (84 espeak-ng voices and the corpus's real asterisk speaker) held out per
  seed (`spoken_digits.py`; clean synthetic digits are solved by every feature, babble separates them).
* `speaker`: which of those 85 speakers says a digit, in lighter babble (5..15 dB), digit-disjoint (3 of
  the 10 digits held out per seed).
* `ctc`: connected digit strings transcribed by a linear CTC head on the frame features (11 outputs: the
  digits and a blank), speaker-disjoint as above; scored as digit error rate (lower is better).

Clip-level tasks (lid, kws) use the mean and standard deviation over time of each frame feature, with a
linear classifier (softmax regression) and 5-nearest-neighbours (cosine).

Rows: log-mel (4 stacked 10 ms frames, at the latents' 25 Hz), raw latents, context-stacked latents (+-2
frames), a randomly initialised representation encoder, and each representation checkpoint passed with
--representation NAME=PATH; with --whisper-reference, Whisper tiny.en's encoder (supervised on 680 000 h,
frozen; its 50 Hz frames averaged in pairs to 25 Hz) as a reference row.

    python -m benchmarks.probes --task kws --model f3edge-teacher-v2 --representation rq=runs/repr/model \
        --json docs/results/probes/kws.json
"""
from __future__ import annotations

import argparse
import functools
import json
import sys
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np
import torch

import f3edge
from f3edge.audio import read_audio
from f3edge.data import load_clips
from f3edge.mel import latent_rate_log_mel

from .json_out import emit
from .student_t import t95

# the number of splits: the default, and the count of every result written before `--seeds` existed
DEFAULT_SPLITS = 3
SEEDS = tuple(range(DEFAULT_SPLITS))
# the CTC probe's repeated fits start this far apart in init seeds (far beyond any split's restarts)
FIT_SEED_STRIDE = 1000


def split_count(result: dict) -> int:
    return result.get("seeds", DEFAULT_SPLITS)


def fit_count(result: dict) -> int:
    """CTC probe fits averaged per split; results written before `--fits` existed had 1."""
    return result.get("fits", 1)


def lid_clips(corpus: str, per_package: int = 60, seed: int = 0) -> dict[str, dict[str, list[str]]]:
    """{lang: {package: [paths]}} for languages recorded by at least two packages."""
    by = defaultdict(lambda: defaultdict(list))
    for c in load_clips(corpus):
        if c.kind == "speech" and c.seconds >= 0.8:
            by[c.lang][c.package].append(c.path)
    rng = np.random.default_rng(seed)
    out = {}
    for lang, pkgs in sorted(by.items()):
        pkgs = {p: v for p, v in pkgs.items() if len(v) >= 20}
        if len(pkgs) >= 2:
            out[lang] = {p: sorted(rng.choice(v, size=min(per_package, len(v)), replace=False).tolist())
                         for p, v in sorted(pkgs.items())}
    return out


def pooled(frames: np.ndarray) -> np.ndarray:
    """(T, C) -> (2C,): mean and standard deviation over time."""
    return np.concatenate([frames.mean(0), frames.std(0)])


def stacked(z: np.ndarray, context: int = 2) -> np.ndarray:
    pad = np.pad(z, ((context, context), (0, 0)), mode="edge")
    return np.concatenate([pad[i:i + len(z)] for i in range(2 * context + 1)], axis=1)


def frame_features(tok, reps: dict, x: np.ndarray) -> dict[str, np.ndarray]:
    z = tok.encode(x)
    mel = latent_rate_log_mel(torch.from_numpy(x)[None], tok.sample_rate, tok.hop)[0].numpy()
    out = {"log-mel": mel[: len(z)], "latents": z, "stacked latents": stacked(z)}
    for name, rep in reps.items():
        out[name] = rep.features(x) if getattr(rep, "reads_audio", False) else rep.features(z)
    return out


class WhisperReference:
    """Frozen Whisper tiny.en encoder features at the latents' 25 Hz (pairs of 50 Hz frames averaged)."""
    name = "Whisper tiny.en encoder (reference)"
    reads_audio = True

    def __init__(self, sample_rate: int):
        from f3edge.lm.whisper_encoder import SAMPLE_RATE, load_whisper_encoder
        if sample_rate != SAMPLE_RATE:
            raise ValueError(f"the Whisper reference reads {SAMPLE_RATE} Hz audio, not {sample_rate} Hz")
        self.encoder = load_whisper_encoder()

    def features(self, x: np.ndarray) -> np.ndarray:
        from f3edge.lm.whisper_encoder import whisper_features
        f = whisper_features(self.encoder, x)
        n = len(f) // 2
        return f[: 2 * n].reshape(n, 2, -1).mean(1) if n else f


def linear_probe(xtr, ytr, xte, yte, classes: int, seed: int, iterations: int = 500, l2: float = 5e-4) -> float:
    """Softmax regression fitted to convergence (full-batch L-BFGS; the loss is convex, so one start). 400
    Adam steps had stopped short of it on some rows (stacked latents 0.88 where the optimum gives 0.91)."""
    torch.manual_seed(seed)
    mu, sd = xtr.mean(0), xtr.std(0) + 1e-6
    a, b = torch.from_numpy((xtr - mu) / sd).float(), torch.from_numpy((xte - mu) / sd).float()
    w = torch.nn.Linear(a.shape[1], classes)
    y = torch.from_numpy(ytr)
    fit_to_convergence(w, lambda: torch.nn.functional.cross_entropy(w(a), y) + l2 * w.weight.pow(2).sum(), iterations)
    with torch.no_grad():
        return float((w(b).argmax(1).numpy() == yte).mean())


def fit_to_convergence(head: torch.nn.Module, objective, iterations: int) -> float:
    """Full-batch L-BFGS with a strong-Wolfe line search on `objective()` (a scalar loss of `head`'s
    parameters); returns the final loss."""
    opt = torch.optim.LBFGS(head.parameters(), lr=1, max_iter=iterations, history_size=20,
                            line_search_fn="strong_wolfe")

    def closure():
        opt.zero_grad()
        loss = objective()
        loss.backward()
        return loss
    opt.step(closure)
    with torch.no_grad():
        return float(objective())


def knn_probe(xtr, ytr, xte, yte, k: int = 5) -> float:
    mu, sd = xtr.mean(0), xtr.std(0) + 1e-6
    a, b = (xtr - mu) / sd, (xte - mu) / sd
    a /= np.linalg.norm(a, axis=1, keepdims=True) + 1e-9
    b /= np.linalg.norm(b, axis=1, keepdims=True) + 1e-9
    nn_idx = np.argsort(-(b @ a.T), axis=1)[:, :k]
    votes = ytr[nn_idx]
    pred = np.array([np.bincount(v).argmax() for v in votes])
    return float((pred == yte).mean())


def interval(accs: list[float]) -> dict:
    a = np.array(accs)
    half = t95(len(a) - 1) * a.std(ddof=1) / np.sqrt(len(a)) if len(a) > 1 else float("nan")
    return {"mean": round(float(a.mean()), 4), "ci95": round(float(half), 4), "runs": [round(float(v), 4) for v in a]}


def feature_sources(model: str, representations: dict[str, str], whisper_reference: bool = False):
    """The autoencoder whose latents are probed, and the representation encoders (a random-init one first,
    the Whisper reference last when asked for)."""
    from f3edge.models.representation import RepresentationConfig, RepresentationModel
    from f3edge.representation import Representer, load_representer
    from f3edge.checkpoint import LoadedModel
    tok = f3edge.load(model)
    reps = {name: load_representer(path) for name, path in representations.items()}
    for rep in reps.values():
        rep.check_latent_space(tok.latent_space, tok.model_id)
    torch.manual_seed(0)
    cfg = next(iter(reps.values())).cfg if reps else RepresentationConfig(latent_space=tok.latent_space)
    rand = RepresentationModel(cfg).eval()
    reps = {"random-init encoder": Representer(LoadedModel(rand, cfg, "random", {}, Path("."))), **reps}
    if whisper_reference:
        reps[WhisperReference.name] = WhisperReference(tok.sample_rate)
    return tok, reps


def selected(feats: dict, rows) -> dict:
    """The feature rows to probe: all, or only those named in `rows` (the others kept from an earlier result)."""
    return feats if rows is None else {k: v for k, v in feats.items() if k in rows}


def speaker_split(speakers: np.ndarray, seed: int, fraction: float = 1 / 3) -> np.ndarray:
    """Test mask: a random `fraction` of the speakers, all their clips."""
    names = sorted(set(speakers.tolist()))
    held = set(np.random.default_rng(seed).permutation(names)[: max(1, round(fraction * len(names)))].tolist())
    return np.array([s in held for s in speakers])


def classify_rows(feats: dict, labels: np.ndarray, classes: int, test_mask, seeds, log) -> dict:
    """Linear and 5-NN accuracy of every feature row over the seeds; `test_mask(seed)` is the held-out set."""
    rows = {}
    for name, per_clip in feats.items():
        x = np.stack(per_clip).astype(np.float32)
        lin, knn = [], []
        for seed in seeds:
            test = test_mask(seed)
            lin.append(linear_probe(x[~test], labels[~test], x[test], labels[test], classes, seed))
            knn.append(knn_probe(x[~test], labels[~test], x[test], labels[test]))
        rows[name] = {"linear": interval(lin), "knn": interval(knn), "dim": int(x.shape[1])}
        log(f"{name}: linear {np.mean(lin):.3f}, kNN {np.mean(knn):.3f}")
    return rows


def digit_features(model: str, representations: dict[str, str], clips, pool: bool, whisper_reference: bool = False,
                   rows=None):
    """(tokenizer, {row: per-clip features (pooled, or frames)} of the `rows` to probe, what each clip says, its
    speaker)."""
    tok, reps = feature_sources(model, representations, whisper_reference)
    feats, said, speakers = defaultdict(list), [], []
    for c in clips:
        x = read_audio(c.path, tok.sample_rate, min_samples=tok.hop)
        for name, f in frame_features(tok, reps, x).items():
            feats[name].append(pooled(f) if pool else f.astype(np.float32))
        said.append(c.digits)
        speakers.append(c.speaker)
    return tok, selected(feats, rows), said, np.array(speakers)


def run_kws(model: str, representations: dict[str, str], clips, seeds=SEEDS, log=print,
            whisper_reference: bool = False, rows=None) -> dict:
    tok, feats, said, speakers = digit_features(model, representations, clips, True, whisper_reference, rows)
    labels = np.array([int(d) for d in said])
    log(f"{len(labels)} clips, {len(set(speakers.tolist()))} speakers")
    return {"task": "keyword spotting: isolated English digits in babble, speaker-disjoint split", "model": tok.model_id,
            "latent_space": tok.latent_space, "clips": int(len(labels)), "speakers": len(set(speakers.tolist())),
            "rows": classify_rows(feats, labels, 10, lambda seed: speaker_split(speakers, seed), seeds, log)}


def run_lid_tts(model: str, representations: dict[str, str], clips, seeds=SEEDS, log=print,
                whisper_reference: bool = False, rows=None) -> dict:
    """Language ID on the same numbers read by the same voices in every language; voice-disjoint."""
    tok, feats, _, speakers = digit_features(model, representations, clips, True, whisper_reference, rows)
    langs = sorted({c.lang for c in clips})
    labels = np.array([langs.index(c.lang) for c in clips])
    log(f"{len(labels)} clips, {len(langs)} languages, {len(set(speakers.tolist()))} voices")
    return {"task": "language ID: the same numbers read by the same espeak-ng voices in each language, in babble, "
                    "voice-disjoint split", "model": tok.model_id, "latent_space": tok.latent_space,
            "languages": langs, "clips": int(len(labels)), "speakers": len(set(speakers.tolist())),
            "rows": classify_rows(feats, labels, len(langs), lambda seed: speaker_split(speakers, seed), seeds, log)}


def run_speaker_id(model: str, representations: dict[str, str], clips, seeds=SEEDS, log=print,
                   whisper_reference: bool = False, rows=None) -> dict:
    """Which of the speakers says a digit (text-disjoint: each seed holds out 3 of the 10 digits, so a
    probe cannot match a speaker by the word)."""
    tok, feats, said, speakers = digit_features(model, representations, clips, True, whisper_reference, rows)
    names = sorted(set(speakers.tolist()))
    labels = np.array([names.index(s) for s in speakers])
    said = np.array(said)

    def digits_held_out(seed):
        return np.isin(said, np.random.default_rng(seed).choice(list("0123456789"), size=3, replace=False))
    return {"task": "speaker ID among the digit speakers, in babble, digit-disjoint split", "model": tok.model_id,
            "latent_space": tok.latent_space, "clips": int(len(labels)), "speakers": len(names),
            "rows": classify_rows(feats, labels, len(names), digits_held_out, seeds, log)}


def ctc_probe(train: list[np.ndarray], train_y: list[str], test: list[np.ndarray], test_y: list[str], seed: int,
              iterations: int = 300, restarts: int = 3, l2: float = 1e-4, fits: int = 1) -> float:
    """A linear CTC head (digits + blank) on frozen frame features; greedy decoding; digit error rate.

    The head is fitted to convergence (full-batch L-BFGS with line search): 600 Adam steps left it at a
    training loss of ~0.3 where L-BFGS reaches ~0.02 on the same features, and the Adam result then depended
    on the init (stacked latents scored 0.30 or 0.03 by init alone). The CTC loss is not convex, so the
    head is fitted from `restarts` inits and the one with the lowest training loss is scored (chosen
    without looking at the test speakers).

    Which of those heads wins still moves the test error a lot (stop 36: one encoder's error on one split was
    0.018, 0.065 or 0.045 by the inits alone), so `fits` > 1 repeats the whole fit from other inits (seeds
    `FIT_SEED_STRIDE` apart) and returns the mean error of the fits. `fits` 1 is the probe of every result
    written before it existed."""
    import jiwer
    cat = np.concatenate(train)
    mu, sd = cat.mean(0), cat.std(0) + 1e-6

    def batch(seqs):
        t = max(len(f) for f in seqs)
        x = np.zeros((len(seqs), t, cat.shape[1]), np.float32)
        for i, f in enumerate(seqs):
            x[i, :len(f)] = (f - mu) / sd
        return torch.from_numpy(x), torch.tensor([len(f) for f in seqs])
    x, xlen = batch(train)
    targets = torch.tensor([int(d) + 1 for y in train_y for d in y])
    tlen = torch.tensor([len(y) for y in train_y])

    def fitted(init_seed: int) -> tuple[float, torch.nn.Linear]:
        torch.manual_seed(init_seed)
        head = torch.nn.Linear(cat.shape[1], 11)
        with torch.no_grad():   # start by predicting blank everywhere: the usual CTC start, and a stable one
            head.bias.zero_()
            head.bias[0] = 3.0

        def objective():
            logp = head(x).log_softmax(-1).transpose(0, 1)
            return (torch.nn.functional.ctc_loss(logp, targets, xlen, tlen, zero_infinity=True)
                    + l2 * head.weight.pow(2).sum())
        return fit_to_convergence(head, objective, iterations), head
    xt, _ = batch(test)

    def error(head: torch.nn.Module) -> float:
        with torch.no_grad():
            best = head(xt).argmax(-1).numpy()
        hyps = []
        for row, f in zip(best, test):
            out, prev = [], 0
            for k in row[:len(f)]:
                if k != prev and k != 0:
                    out.append(str(k - 1))
                prev = k
            hyps.append(" ".join(out) or "-")
        return float(jiwer.wer([" ".join(y) for y in test_y], hyps))

    errors = []
    for k in range(fits):
        start = seed * restarts + FIT_SEED_STRIDE * k
        _, head = min((fitted(start + r) for r in range(restarts)), key=lambda fit: fit[0])
        errors.append(error(head))
    return float(np.mean(errors))


def run_ctc(model: str, representations: dict[str, str], clips, seeds=SEEDS, log=print,
            whisper_reference: bool = False, rows=None, fits: int = 1) -> dict:
    tok, feats, labels, speakers = digit_features(model, representations, clips, False, whisper_reference, rows)
    log(f"{len(labels)} digit strings, {len(set(speakers.tolist()))} speakers")
    result = {"task": "CTC: connected English digit strings, speaker-disjoint split; digit error rate (lower "
                      "is better)", "model": tok.model_id, "latent_space": tok.latent_space,
              "clips": len(labels), "speakers": len(set(speakers.tolist())), "rows": {}}
    for name, seqs in feats.items():
        result["rows"][name] = ctc_row(seqs, labels, speakers, seeds, fits)
        log(f"{name}: digit error rate {result['rows'][name]['digit_error_rate']['mean']:.3f}")
    return result


def ctc_row(seqs: list[np.ndarray], labels: list[str], speakers: np.ndarray, seeds=SEEDS, fits: int = 1) -> dict:
    """One feature row's CTC digit error rate over the speaker-disjoint splits of `seeds` (each the mean of
    `fits` fits)."""
    errs = []
    for seed in seeds:
        test = speaker_split(speakers, seed)
        tr = [i for i in range(len(seqs)) if not test[i]]
        te = [i for i in range(len(seqs)) if test[i]]
        errs.append(ctc_probe([seqs[i] for i in tr], [labels[i] for i in tr], [seqs[i] for i in te],
                              [labels[i] for i in te], seed, fits=fits))
    return {"digit_error_rate": interval(errs), "dim": int(seqs[0].shape[1])}


def run_lid(model: str, representations: dict[str, str], corpus: str, seeds=SEEDS, split: str = "package",
            log=print, whisper_reference: bool = False, rows=None) -> dict:
    tok, reps = feature_sources(model, representations, whisper_reference)
    data = lid_clips(corpus)
    langs = sorted(data)
    feats, labels, packages = defaultdict(list), [], []
    for li, lang in enumerate(langs):
        for pkg, paths in data[lang].items():
            for p in paths:
                x = read_audio(p, tok.sample_rate, min_samples=tok.hop)
                for name, f in frame_features(tok, reps, x).items():
                    feats[name].append(pooled(f))
                labels.append(li)
                packages.append(pkg)
    labels, packages = np.array(labels), np.array(packages)
    feats = selected(feats, rows)
    log(f"{len(labels)} clips, {len(langs)} languages: {', '.join(langs)}")

    def held_out(seed):
        rng = np.random.default_rng(seed)
        test = np.zeros(len(labels), bool)
        if split == "package":   # one whole package per language held out
            for li, lang in enumerate(langs):
                test |= (labels == li) & (packages == rng.choice(sorted(data[lang])))
        else:                    # 30 % of the clips, speakers and recording chains shared with training
            test[rng.permutation(len(labels))[: int(0.3 * len(labels))]] = True
        return test
    return {"task": f"language ID, {split}-disjoint split", "split": split, "model": tok.model_id,
            "latent_space": tok.latent_space, "languages": langs, "clips": int(len(labels)),
            "rows": classify_rows(feats, labels, len(langs), held_out, seeds, log)}


def to_markdown(r: dict) -> str:
    if "speakers" in r:
        langs = f", {len(r['languages'])} languages: {', '.join(r['languages'])}" if "languages" in r else ""
        lines = [f"{r['task'][0].upper()}{r['task'][1:]} ({r['clips']} clips, {r['speakers']} speakers{langs}; features of "
                 f"{r['model']}, latent space {r['latent_space']}; mean and 95 % interval over {split_count(r)} seeds"
                 f"{f', each the mean of {fit_count(r)} fits' if fit_count(r) > 1 else ''})", ""]
        if "ctc" in r["task"].lower():
            lines += ["| features | dim | digit error rate |", "|---|---|---|"]
            lines += [f"| {n} | {v['dim']} | {v['digit_error_rate']['mean']:.3f} +- {v['digit_error_rate']['ci95']:.3f} |"
                      for n, v in r["rows"].items()]
        else:
            lines += ["| features | dim | linear | 5-NN |", "|---|---|---|---|"]
            lines += [f"| {n} | {v['dim']} | {v['linear']['mean']:.3f} +- {v['linear']['ci95']:.3f} | "
                      f"{v['knn']['mean']:.3f} +- {v['knn']['ci95']:.3f} |" for n, v in r["rows"].items()]
        return "\n".join(lines) + "\n"
    lines = [f"Language ID ({len(r['languages'])} languages, {r['clips']} clips, {r['split']}-disjoint split; "
             f"features of {r['model']}, latent space {r['latent_space']}; mean and 95 % interval over {split_count(r)} "
             "seeds)", "", "| features | dim | linear | 5-NN |", "|---|---|---|---|"]
    for name, v in r["rows"].items():
        lines.append(f"| {name} | {v['dim']} | {v['linear']['mean']:.3f} +- {v['linear']['ci95']:.3f} | "
                     f"{v['knn']['mean']:.3f} +- {v['knn']['ci95']:.3f} |")
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.probes", description=__doc__.splitlines()[0])
    p.add_argument("--model", default=None, help="the autoencoder whose latents are probed (default: bundled default)")
    # extend: `--representation A=x --representation B=y` keeps both (a repeated nargs flag kept only the last)
    p.add_argument("--representation", action="extend", nargs="+", default=[],
                   help="NAME=PATH of representation checkpoints (several after one flag, or the flag repeated)")
    p.add_argument("--task", choices=["lid", "lid-tts", "kws", "speaker", "ctc"], default="lid")
    p.add_argument("--whisper-reference", action="store_true", help="add the frozen Whisper tiny.en encoder row")
    p.add_argument("--corpus", default="data/corpus")
    p.add_argument("--cache", default="data/probe_digits", help="where the synthesized digit clips are kept")
    p.add_argument("--split", choices=["package", "clip"], default="package", help="lid only")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--seeds", type=int, default=DEFAULT_SPLITS,
                   help="splits (seeds 0..N-1) each row is scored on; at least 2")
    p.add_argument("--fits", type=int, default=1,
                   help="ctc only: fits averaged per split (the head's inits move the error a lot; 1 = every result "
                        "written before this option)")
    p.add_argument("--json")
    p.add_argument("--update", action="store_true",
                   help="keep the rows of the existing --json result that this run does not compute (same task, model "
                        "and clips), e.g. the Whisper reference measured once")
    p.add_argument("--only-representations", action="store_true",
                   help="probe only the --representation rows; with --update, keep every other row (the "
                        "baselines) from the existing result; without it, --json must be a new file")
    a = p.parse_args(argv)
    if a.update and not a.json:
        p.error("--update needs --json")
    if a.seeds < 2:
        p.error("--seeds needs at least 2 splits for an interval")
    if a.fits < 1 or (a.fits > 1 and a.task != "ctc"):
        p.error("--fits is a count of at least 1, for the ctc task")
    seeds = tuple(range(a.seeds))
    if a.only_representations and not a.representation:
        p.error("--only-representations needs --representation")
    if a.only_representations and not a.update and a.json and Path(a.json).exists():
        # written over, the file would lose every row this run does not probe
        p.error(f"--only-representations: {a.json} exists; add --update to merge into it, or name a new file")
    torch.set_num_threads(a.threads)
    bad = [item for item in a.representation if "=" not in item]
    if bad:
        p.error(f"--representation takes NAME=PATH, not {bad[0]!r}")
    pairs = [item.split("=", 1) for item in a.representation]
    reps = dict(pairs)
    if len(reps) < len(pairs):   # a dict keeps one path per name: a name given twice would drop one silently
        twice = next(name for name, count in Counter(name for name, _ in pairs).items() if count > 1)
        p.error(f"--representation names {twice!r} twice")
    from f3edge.registry import resolve_representation_path
    from f3edge.errors import F3EdgeInputError
    try:   # every checkpoint found before any feature is computed (a typo is one line, not a traceback later)
        for path in reps.values():
            resolve_representation_path(path)
    except F3EdgeInputError as e:
        print(f"probes: {e}", file=sys.stderr)
        return 2
    log = lambda m: print(m, file=sys.stderr)   # noqa: E731
    w = a.whisper_reference
    rows = set(reps) | ({WhisperReference.name} if w else set()) if a.only_representations else None
    if a.task == "lid":
        r = run_lid(a.model, reps, a.corpus, seeds=seeds, split=a.split, log=log, whisper_reference=w, rows=rows)
    else:
        from . import spoken_digits
        if not spoken_digits.espeak_available():
            print(f"probes: the {a.task} task needs espeak-ng (apt-get install espeak-ng)", file=sys.stderr)
            return 2
        if a.task in ("kws", "speaker"):   # speaker ID in lighter babble: at -5..5 dB every row is near chance
            snr = (-5.0, 5.0) if a.task == "kws" else (5.0, 15.0)
            clips = spoken_digits.with_babble(spoken_digits.isolated_digits(a.cache, a.corpus), a.cache, a.corpus, snr)
            r = (run_kws if a.task == "kws" else run_speaker_id)(a.model, reps, clips, seeds=seeds, log=log,
                                                                 whisper_reference=w, rows=rows)
        elif a.task == "lid-tts":
            clips = spoken_digits.with_babble(spoken_digits.numbers_in_languages(a.cache), a.cache, a.corpus,
                                              (0.0, 10.0))
            r = run_lid_tts(a.model, reps, clips, seeds=seeds, log=log, whisper_reference=w, rows=rows)
        else:
            r = run_ctc(a.model, reps, spoken_digits.digit_strings(a.cache), seeds=seeds, log=log,
                        whisper_reference=w, rows=rows, fits=a.fits)
    r["seeds"] = len(seeds)
    if a.fits > 1:   # only then: results of one fit stay as they were written
        r["fits"] = a.fits
    if a.update and Path(a.json).is_file():
        try:
            r = merged(json.loads(Path(a.json).read_text()), r)
        except (ValueError, KeyError, TypeError) as e:   # JSONDecodeError is a ValueError
            print(f"probes: {a.json}: {e}", file=sys.stderr)
            return 2
    emit(r, a.json, markdown=to_markdown(r))
    return 0


def merged(old: dict, new: dict) -> dict:
    """`new` with the rows only `old` has appended; refused unless both measured the same thing."""
    same = ("task", "model", "latent_space", "clips")
    if (any(old.get(k) != new.get(k) for k in same) or split_count(old) != split_count(new)
            or fit_count(old) != fit_count(new)):
        raise ValueError(f"the results are of another {'/'.join(same)}/seeds/fits; not merged")
    return {**new, "rows": {**new["rows"], **{k: v for k, v in old["rows"].items() if k not in new["rows"]}}}


def read_as_one(paths: list) -> dict:
    """Probe result files read as one result (`merged` in order: a row named in several files is the last
    file's); files that measured something else are refused."""
    def read(path) -> dict:
        try:
            return json.loads(Path(path).read_text())
        except (OSError, ValueError) as e:   # JSONDecodeError is a ValueError
            raise ValueError(f"{path}: {e}") from e
    return functools.reduce(merged, [read(f) for f in paths])


if __name__ == "__main__":
    sys.exit(main())
