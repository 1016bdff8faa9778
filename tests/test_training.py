"""Training machinery at tiny size: exact resume after SIGKILL, DDP (2 gloo processes), distillation."""
import csv
import json
import os
import signal
import subprocess
import sys
import time

import pytest
import soundfile as sf
import torch

from f3edge.training.run_state import load_latest

TINY_MODEL = {"kind": "student", "name": "tiny-student", "lookahead": 1, "noise_sigma": 0.3,
              "net": {"fine_channels": 16, "coarse_channels": 24, "fine_blocks": 1, "coarse_blocks": 1,
                      "kernel": 3, "expansion": 2}}


@pytest.fixture(scope="module")
def tiny_setup(tmp_path_factory, speech_16k):
    d = tmp_path_factory.mktemp("train")
    data = d / "data"
    data.mkdir()
    for i in range(4):   # real speech, cut into clips
        sf.write(data / f"clip{i}.wav", speech_16k[i * 12000:(i + 1) * 12000 + 8000], 16000)
    (d / "model.json").write_text(json.dumps(TINY_MODEL))
    base = {"model": str(d / "model.json"), "data": str(data), "steps": 8, "batch_size": 2,
            "segment_seconds": 0.32, "warmup_steps": 2, "sigma_warmup_steps": 3, "ema_start": 2,
            "ckpt_every": 2, "log_every": 1, "threads": 1, "keep_speech_only": False}
    (d / "train.json").write_text(json.dumps(base))
    return d


def f3(*args, **kw):
    return subprocess.Popen([sys.executable, "-m", "f3edge", *map(str, args)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, **kw)


def losses(run_dir):
    with open(run_dir / "train_log.csv") as f:
        return [(int(r["step"]), float(r["loss"])) for r in csv.DictReader(f)]


def test_sigkill_then_restart_reproduces_the_uninterrupted_loss_curve(tiny_setup):
    d = tiny_setup
    ref = f3("train", "--config", d / "train.json", "--out", d / "ref")
    assert ref.wait(timeout=300) == 0, ref.stderr.read()
    assert (d / "ref" / "model" / "model.safetensors").exists()

    run = f3("train", "--config", d / "train.json", "--out", d / "killed")
    deadline = time.time() + 300
    while time.time() < deadline:   # kill once a checkpoint exists and training went past it
        if (d / "killed" / "last" / "state.json").exists() and (d / "killed" / "train_log.csv").exists() \
                and len(losses(d / "killed")) >= 5:
            break
        time.sleep(0.05)
    os.kill(run.pid, signal.SIGKILL)
    run.wait()
    assert len(losses(d / "killed")) < 8, "the run finished before it could be killed"
    saved = json.loads((d / "killed" / "last" / "state.json").read_text())["payload"]
    again = f3("train", "--config", d / "train.json", "--out", d / "killed")
    assert again.wait(timeout=300) == 0, again.stderr.read()
    resumed, reference = losses(d / "killed"), losses(d / "ref")
    assert [s for s, _ in resumed] == [s for s, _ in reference] == list(range(1, 9))
    assert [l for _, l in resumed] == pytest.approx([l for _, l in reference], rel=1e-6)
    # the model's meta counts CPU and wall time of the steps over both sessions, not the last one's alone
    meta = json.loads((d / "killed" / "model" / "meta.json").read_text())
    assert saved["cpu_elapsed"] > 0 and meta["train_cpu_seconds"] >= saved["cpu_elapsed"] - 0.05
    assert meta["train_wall_seconds"] >= saved["elapsed"] - 0.05


def test_two_process_ddp_keeps_ranks_identical(tiny_setup):
    d = tiny_setup
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2",
           "-m", "f3edge", "train", "--config", str(d / "train.json"), "--out", str(d / "ddp"), "--steps", "3"]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert p.returncode == 0, p.stderr[-2000:]
    r0 = load_latest(d / "ddp")
    r1 = load_latest(d / "ddp" / "rank1")
    assert r0["world"] == 2 and r0["step"] == r1["step"] == 3
    for k, v in r0["model"].items():
        assert torch.equal(v, r1["model"][k]), k
    assert r0["sampler"]["rng"] != r1["sampler"]["rng"], "ranks must draw different crops"


def test_distill_trains_a_student_from_a_teacher_checkpoint(tiny_setup):
    d = tiny_setup
    teacher = dict(TINY_MODEL, kind="teacher", name="tiny-teacher", lookahead=0)
    (d / "teacher.json").write_text(json.dumps(teacher))
    cfg = json.loads((d / "train.json").read_text())
    (d / "teacher_train.json").write_text(json.dumps(dict(cfg, model=str(d / "teacher.json"), steps=2)))
    p = f3("train", "--config", d / "teacher_train.json", "--out", d / "teacher")
    assert p.wait(timeout=300) == 0, p.stderr.read()
    p = f3("distill", "--config", d / "train.json", "--teacher", d / "teacher" / "model", "--out", d / "student",
           "--steps", "3")
    assert p.wait(timeout=300) == 0, p.stderr.read()
    rows = list(csv.DictReader(open(d / "student" / "train_log.csv")))
    assert rows and rows[-1]["latent_snr_db"] != ""
    meta = json.loads((d / "student" / "model" / "meta.json").read_text())
    assert meta["recipe"] == "distill" and len(meta["teacher_sha256"]) == 64


def test_adversarial_phase_starts_after_warmup_and_logs_its_losses(tiny_setup):
    d = tiny_setup
    cfg = json.loads((d / "train.json").read_text())
    (d / "adv.json").write_text(json.dumps(dict(cfg, steps=3, adv_start_step=1, disc_channels=4, log_every=1)))
    p = f3("train", "--config", d / "adv.json", "--out", d / "adv")
    assert p.wait(timeout=300) == 0, p.stderr.read()
    rows = list(csv.DictReader(open(d / "adv" / "train_log.csv")))
    assert rows[0]["adv_d"] == "" and rows[1]["adv_d"] != "" and float(rows[2]["adv_fm"]) > 0
    assert "disc" in load_latest(d / "adv")


def test_finetune_from_a_checkpoint_keeps_a_frozen_encoder_bit_exact(tiny_setup):
    """Decoder-only (e.g. adversarial) fine-tuning must leave the latent space, and so every student
    distilled against it, unchanged."""
    from safetensors.torch import load_file
    d = tiny_setup
    cfg = json.loads((d / "train.json").read_text())
    p = f3("train", "--config", d / "train.json", "--out", d / "base", "--steps", "2")
    assert p.wait(timeout=300) == 0, p.stderr.read()
    (d / "ft.json").write_text(json.dumps(dict(cfg, steps=3, init_from=str(d / "base" / "model"),
                                               freeze=["encoder"], adv_start_step=0, disc_channels=4,
                                               disc_stft=[[128, 32]], disc_periods=[2])))
    p = f3("train", "--config", d / "ft.json", "--out", d / "ft")
    assert p.wait(timeout=300) == 0, p.stderr.read()
    before = load_file(d / "base" / "model" / "model.safetensors")
    after = load_file(d / "ft" / "model" / "model.safetensors")
    enc = [k for k in before if k.startswith("encoder.")]
    dec = [k for k in before if k.startswith("decoder.")]
    assert enc and all(torch.equal(before[k], after[k]) for k in enc)
    assert any(not torch.equal(before[k], after[k]) for k in dec)
    meta = json.loads((d / "ft" / "model" / "meta.json").read_text())
    assert meta["frozen"] == ["encoder"] and len(meta["init_sha256"]) == 64
    assert meta["total_train_steps"] == 2 + 3


def test_freezing_an_unknown_submodule_is_a_config_error(tiny_setup):
    d = tiny_setup
    cfg = json.loads((d / "train.json").read_text())
    (d / "bad_freeze.json").write_text(json.dumps(dict(cfg, freeze=["encoderr"])))
    p = f3("train", "--config", d / "bad_freeze.json", "--out", d / "bad_freeze")
    assert p.wait(timeout=300) == 2
    err = p.stderr.read()
    assert "encoderr" in err and "Traceback" not in err


def test_a_run_can_train_with_less_bottleneck_noise_than_the_model_config(tiny_setup):
    """`noise_sigma` in a run config sets that run's noise (e.g. a decoder fine-tune at lower noise);
    the saved model keeps its own config."""
    d = tiny_setup
    cfg = json.loads((d / "train.json").read_text())
    (d / "low_noise.json").write_text(json.dumps(dict(cfg, steps=4, noise_sigma=0.05)))
    p = f3("train", "--config", d / "low_noise.json", "--out", d / "low_noise")
    assert p.wait(timeout=300) == 0, p.stderr.read()
    rows = list(csv.DictReader(open(d / "low_noise" / "train_log.csv")))
    assert max(float(r["sigma"]) for r in rows) == pytest.approx(0.05)
    saved = json.loads((d / "low_noise" / "model" / "config.json").read_text())
    assert saved["noise_sigma"] == TINY_MODEL["noise_sigma"]


def test_a_malicious_or_corrupt_run_state_never_runs_code_and_falls_back_to_the_previous_one(tiny_setup, tmp_path):
    """A pickle planted as last.pt is ignored (states are safetensors + JSON); a corrupt latest state falls
    back to the previous good one with a warning; with none usable, exit 2 and one line."""
    import shutil
    d = tiny_setup
    run = tmp_path / "run"
    p = f3("train", "--config", d / "train.json", "--out", run, "--steps", "4")
    assert p.wait(timeout=300) == 0, p.stderr.read()
    marker = tmp_path / "pwned"

    class Evil:
        def __reduce__(self):
            return (os.system, (f"touch {marker}",))
    torch.save({"x": Evil()}, run / "last.pt")
    tensors = run / "last" / "tensors.safetensors"
    raw = bytearray(tensors.read_bytes())
    raw[len(raw) // 2] ^= 0xFF
    tensors.write_bytes(bytes(raw))
    p = f3("train", "--config", d / "train.json", "--out", run, "--steps", "6")
    assert p.wait(timeout=300) == 0, p.stderr.read()
    err = p.stderr.read()
    assert "warning" in err and "previous" in err and not marker.exists()
    assert load_latest(run)["step"] == 6

    for name in ("last", "prev"):
        (run / name / "state.json").write_text("not json")
    p = f3("train", "--config", d / "train.json", "--out", run, "--steps", "8")
    assert p.wait(timeout=300) == 2
    err = p.stderr.read().strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in err and "checkpoint" in err
    shutil.rmtree(run)


def test_phase_aware_losses_and_lsgan_logmag_discriminator_train_and_log(tiny_setup):
    d = tiny_setup
    cfg = json.loads((d / "train.json").read_text())
    (d / "phase.json").write_text(json.dumps(dict(
        cfg, steps=3, cmag_weight=1.0, ccomplex_weight=1.0, phase_weight=0.1, consistency_weight=0.5,
        adv_start_step=1, adv_loss="lsgan", disc_kind="logmag", disc_channels=4, disc_stft=[[128, 32], [256, 64]])))
    p = f3("train", "--config", d / "phase.json", "--out", d / "phase")
    assert p.wait(timeout=300) == 0, p.stderr.read()
    rows = list(csv.DictReader(open(d / "phase" / "train_log.csv")))
    for key in ("cmag", "ccomplex", "phase_ip", "phase_gd", "phase_iaf", "consistency"):
        assert all(float(r[key]) > 0 for r in rows), key
    assert rows[0]["adv_d"] == "" and float(rows[-1]["adv_fm"]) > 0


def test_training_the_encoder_of_a_released_model_needs_a_new_latent_space_name(tiny_setup):
    d = tiny_setup
    cfg = json.loads((d / "train.json").read_text())
    p = f3("train", "--config", d / "train.json", "--out", d / "v1", "--steps", "2")
    assert p.wait(timeout=300) == 0, p.stderr.read()
    (d / "same_space.json").write_text(json.dumps(dict(cfg, steps=2, init_from=str(d / "v1" / "model"))))
    p = f3("train", "--config", d / "same_space.json", "--out", d / "same_space")
    assert p.wait(timeout=300) == 2 and "latent space" in p.stderr.read()
    (d / "model_v2.json").write_text(json.dumps(dict(TINY_MODEL, latent_space="tiny-v2")))
    (d / "v2.json").write_text(json.dumps(dict(cfg, steps=2, init_from=str(d / "v1" / "model"),
                                               model=str(d / "model_v2.json"))))
    p = f3("train", "--config", d / "v2.json", "--out", d / "v2")
    assert p.wait(timeout=300) == 0, p.stderr.read()
    assert json.loads((d / "v2" / "model" / "config.json").read_text())["latent_space"] == "tiny-v2"
    # tiny-v2 is not released: its encoder may train on under the same name (a long run in parts)
    (d / "v2_more.json").write_text(json.dumps(dict(cfg, steps=2, init_from=str(d / "v2" / "model"),
                                                    model=str(d / "model_v2.json"))))
    p = f3("train", "--config", d / "v2_more.json", "--out", d / "v2_more")
    assert p.wait(timeout=300) == 0, p.stderr.read()


def test_the_gpu_recipe_runs_end_to_end_through_torchrun_on_cpu_at_one_step(tiny_setup, tmp_path):
    """configs/gpu/teacher_v3.json is the command a lent GPU runs (README, docs/RECIPE.md): it must start from
    the bundled teacher, train, checkpoint and export. Here: one step, CPU, the tiny data (the real run reads
    the carried shard from `f3edge data shard`)."""
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "1",
           "-m", "f3edge", "train", "--config", "configs/gpu/teacher_v3.json", "--data", str(tiny_setup / "data"),
           "--out", str(tmp_path / "gpu"), "--steps", "1"]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=900,
                       cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    assert p.returncode == 0, p.stderr[-2000:]
    meta = json.loads((tmp_path / "gpu" / "model" / "meta.json").read_text())
    assert meta["train_steps"] == 1 and meta["init_sha256"]
    assert json.loads((tmp_path / "gpu" / "model" / "config.json").read_text())["latent_space"] == "f3-v3"


def test_dev_scoring_logs_every_n_steps_and_keeps_the_best_pesq_weights(tiny_setup):
    """`eval_every` scores the EMA weights on dev speech; out/best holds the weights of the best PESQ row, and
    a resumed run keeps the rows up to its checkpoint."""
    from f3edge.checkpoint import load_checkpoint
    d = tiny_setup
    cfg = json.loads((d / "train.json").read_text())
    (d / "dev.json").write_text(json.dumps(dict(cfg, steps=4, eval_every=2, eval_data=str(d / "data"),
                                                eval_every_nth_clip=2)))
    p = f3("train", "--config", d / "dev.json", "--out", d / "dev")
    assert p.wait(timeout=300) == 0, p.stderr.read()
    rows = list(csv.DictReader(open(d / "dev" / "eval_log.csv")))
    assert [int(r["step"]) for r in rows] == [2, 4] and all(int(r["files"]) == 2 for r in rows)
    best = max(rows, key=lambda r: float(r["pesq_wb"]))
    meta = load_checkpoint(d / "dev" / "best").meta
    assert meta["train_steps"] == int(best["step"])
    assert abs(meta["dev_scores"]["pesq_wb"] - float(best["pesq_wb"])) < 1e-9

    (d / "dev_more.json").write_text(json.dumps(dict(cfg, steps=6, eval_every=2, eval_data=str(d / "data"),
                                                     eval_every_nth_clip=2)))
    p = f3("train", "--config", d / "dev_more.json", "--out", d / "dev")
    assert p.wait(timeout=300) == 0, p.stderr.read()
    assert [int(r["step"]) for r in csv.DictReader(open(d / "dev" / "eval_log.csv"))] == [2, 4, 6]


def test_dev_scoring_without_dev_data_is_a_config_error(tiny_setup):
    d = tiny_setup
    cfg = json.loads((d / "train.json").read_text())
    (d / "dev_bad.json").write_text(json.dumps(dict(cfg, eval_every=2)))
    p = f3("train", "--config", d / "dev_bad.json", "--out", d / "dev_bad")
    assert p.wait(timeout=300) == 2
    err = p.stderr.read()
    assert "eval_data" in err and "Traceback" not in err


def test_a_run_state_resumes_under_a_new_display_name_but_not_another_architecture():
    """Renaming a run for release (repr-v2 -> repr-v2b) must not strand its saved state; a changed
    width must still be refused."""
    from f3edge.models.representation import REPRESENTATION_PRESETS
    from f3edge.training.trainer import _same_model_config
    saved = REPRESENTATION_PRESETS["repr-v2"].to_dict()
    assert _same_model_config(saved, REPRESENTATION_PRESETS["repr-v2b"])
    assert not _same_model_config({**saved, "channels": 128}, REPRESENTATION_PRESETS["repr-v2b"])
    assert not _same_model_config({**saved, "latent_space": "f3-v1"}, REPRESENTATION_PRESETS["repr-v2b"])
