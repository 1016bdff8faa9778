"""Averaging representation runs' weights (representation_average.py, `f3edge average-repr`)."""
import json

import pytest
import torch

from f3edge.checkpoint import save_checkpoint
from f3edge.errors import CheckpointError
from f3edge.models.representation import RepresentationConfig, RepresentationModel
from f3edge.representation import load_representation
from f3edge.representation_average import average_representations, save_average
from test_cli import assert_bad_input, run
from test_representation import SMALL

START_META = {"recipe": "repr", "init_sha256": "a" * 64, "teacher_sha256": "b" * 64, "frozen_lm": "whisper-tiny-en",
              "frozen": [], "world_size": 1}


def fine_tuned(folder, nudge: float, cfg: RepresentationConfig = SMALL, **meta):
    """A 'run' from the common seeded start: every parameter moved by `nudge` times a seeded direction."""
    torch.manual_seed(0)
    model = RepresentationModel(cfg)
    gen = torch.Generator().manual_seed(int(nudge * 1000))
    with torch.no_grad():
        for p in model.parameters():
            p.add_(nudge * torch.randn(p.shape, generator=gen))
    lineage = {"train_steps": 100, "train_cpu_seconds": 60.0, "total_train_steps": 1100,
               "total_train_cpu_seconds": 660.0}
    return save_checkpoint(model, folder, {**START_META, **lineage, **meta})


def test_the_average_is_the_mean_of_each_parameter_and_keeps_the_frozen_parts(tmp_path):
    runs = [fine_tuned(tmp_path / f"run{i}", nudge) for i, nudge in enumerate((0.1, 0.2, 0.4))]
    model, _ = average_representations(runs)
    loaded = [dict(load_representation(r).model.named_parameters()) for r in runs]
    for name, p in model.named_parameters():
        torch.testing.assert_close(p, (loaded[0][name] + loaded[1][name] + loaded[2][name]) / 3)
    first = dict(load_representation(runs[0]).model.named_buffers())
    for name, b in model.named_buffers():
        assert torch.equal(b, first[name])


def test_the_averaged_checkpoint_is_verified_and_records_its_lineage(tmp_path):
    runs = [fine_tuned(tmp_path / f"run{i}", nudge) for i, nudge in enumerate((0.1, 0.2))]
    out = save_average(runs, tmp_path / "soup")
    soup = load_representation(out)                                  # sha256 checked on load
    meta = soup.meta
    assert meta["recipe"] == "repr-average" and meta["init_sha256"] == START_META["init_sha256"]
    assert meta["averaged_sha256"] == [load_representation(r).sha256 for r in runs]
    assert (meta["train_steps"], meta["train_cpu_seconds"]) == (200, 120.0)
    # the common start's 1000 steps and 600 CPU-s, plus both runs'
    assert (meta["total_train_steps"], meta["total_train_cpu_seconds"]) == (1200, 720.0)


@pytest.mark.parametrize("unlike, why", [
    ({"init_sha256": "c" * 64}, "init_sha256 differs"),
    ({"teacher_sha256": "c" * 64}, "teacher_sha256 differs"),
    ({"frozen_lm": "whisper-base"}, "frozen_lm differs"),
])
def test_runs_of_another_start_teacher_or_frozen_lm_are_refused(tmp_path, unlike, why):
    runs = [fine_tuned(tmp_path / "a", 0.1), fine_tuned(tmp_path / "b", 0.2, **unlike)]
    with pytest.raises(CheckpointError, match=why):
        average_representations(runs)


def test_runs_of_another_config_or_other_frozen_codebooks_are_refused(tmp_path):
    a = fine_tuned(tmp_path / "a", 0.1)
    wider = fine_tuned(tmp_path / "wider", 0.2, cfg=RepresentationConfig(**{**SMALL.__dict__, "channels": 48}))
    with pytest.raises(CheckpointError, match="config differs"):
        average_representations([a, wider])
    other_codes = fine_tuned(tmp_path / "seed1", 0.2, cfg=RepresentationConfig(**{**SMALL.__dict__, "rq_seed": 1}))
    with pytest.raises(CheckpointError, match="config differs"):     # the RQ seed is config: caught there first
        average_representations([a, other_codes])
    b = fine_tuned(tmp_path / "b", 0.2)
    tampered = load_representation(b).model
    with torch.no_grad():
        tampered.quantizer.codebook.mul_(-1)
    save_checkpoint(tampered, tmp_path / "b", {**load_representation(b).meta})
    with pytest.raises(CheckpointError, match="frozen quantizer.codebook differs"):
        average_representations([a, tmp_path / "b"])


def test_one_run_a_repeated_run_or_runs_without_a_common_start_are_refused(tmp_path):
    a, b = fine_tuned(tmp_path / "a", 0.1), fine_tuned(tmp_path / "b", 0.2)
    with pytest.raises(CheckpointError, match="at least two"):
        average_representations([a])
    with pytest.raises(CheckpointError, match="given twice"):
        average_representations([a, tmp_path / "x" / ".." / "a"])
    scratch = [fine_tuned(tmp_path / n, x, init_sha256=None) for n, x in (("c", 0.1), ("d", 0.2))]
    with pytest.raises(CheckpointError, match="no init_sha256"):
        average_representations(scratch)


def test_average_repr_cli_writes_the_average_and_refuses_bad_input_with_exit_2(tmp_path):
    a, b = fine_tuned(tmp_path / "a", 0.1), fine_tuned(tmp_path / "b", 0.2)
    p = run("average-repr", a, b, "-o", tmp_path / "soup")
    assert p.returncode == 0, p.stderr
    assert json.loads((tmp_path / "soup" / "meta.json").read_text())["recipe"] == "repr-average"
    assert_bad_input(run("average-repr", a, b, "-o", tmp_path / "soup"))           # exists, no --force
    assert run("average-repr", a, b, "-o", tmp_path / "soup", "--force").returncode == 0
    assert_bad_input(run("average-repr", a, b, "-o", a, "--force"))                # never over an input
    assert load_representation(a).sha256 == json.loads((a / "meta.json").read_text())["sha256"]
    assert_bad_input(run("average-repr", a, tmp_path / "missing", "-o", tmp_path / "s2"))
    assert not (tmp_path / "s2").exists()
