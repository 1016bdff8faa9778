"""Teacher and student: shapes, alignment, and the student's streaming steps against full sequences."""
import dataclasses

import pytest
import torch
from hypothesis import given, settings, strategies as st

from conftest import chunk_sizes, rel_err
from f3edge.config import PRESETS, ModelConfig
from f3edge.models import F3Student, F3Teacher, build_model, channel_normalize

HOP = 640


def tiny(kind: str, lookahead: int = 0) -> ModelConfig:
    base = PRESETS["student-xs" if kind == "student" else "teacher"]
    net = dataclasses.replace(base.net, fine_channels=32, coarse_channels=48, fine_blocks=1, coarse_blocks=1)
    return dataclasses.replace(base, net=net, lookahead=lookahead if kind == "student" else 0)


@pytest.fixture(scope="module", params=[0, 1])
def student(request):
    torch.manual_seed(1)
    return F3Student(tiny("student", request.param)).eval()


def test_default_student_preset_fits_the_parameter_budget():
    assert build_model(PRESETS["student-s"]).num_parameters() <= 1_500_000
    assert build_model(PRESETS["student-xs"]).num_parameters() < build_model(PRESETS["student-s"]).num_parameters()


@pytest.mark.parametrize("kind", ["teacher", "student"])
def test_encode_decode_shapes_follow_the_latent_hop(kind):
    m = build_model(tiny(kind)).eval()
    x = torch.randn(2, 1, 5 * HOP + 100)
    with torch.no_grad():
        z = m.encode(x)
        y = m.decode(z)
    assert z.shape == (2, 64, 6)
    assert y.shape == (2, 1, 6 * HOP)


def test_latents_are_channel_normalized_per_frame():
    m = build_model(tiny("teacher")).eval()
    with torch.no_grad():
        z = m.encode(torch.randn(1, 1, 4 * HOP) * 0.1)
    assert torch.allclose(z.mean(dim=1), torch.zeros(1, 4), atol=1e-4)
    assert torch.allclose(z.pow(2).mean(dim=1), torch.ones(1, 4), atol=1e-2)


def test_channel_normalize_is_scale_invariant():
    h = torch.randn(2, 64, 5)
    assert rel_err(channel_normalize(h * 37.0), channel_normalize(h)) < 1e-4


def test_bottleneck_noise_only_when_sigma_given():
    m = build_model(tiny("teacher"))
    z = torch.randn(3, 64, 4)
    assert torch.equal(m.bottleneck(z, None), channel_normalize(z))
    assert not torch.equal(m.bottleneck(z, 0.5), channel_normalize(z))


def test_student_encoder_is_causal_up_to_its_lookahead(student):
    la = student.cfg.lookahead
    x = torch.randn(1, 1, 8 * HOP)
    x2 = x.clone()
    x2[..., 5 * HOP:] = torch.randn(1, 1, 3 * HOP)
    with torch.no_grad():
        z, z2 = student.encode(x), student.encode(x2)
    keep = 5 - la
    assert torch.allclose(z[..., :keep], z2[..., :keep], atol=1e-5)
    assert not torch.allclose(z[..., keep:], z2[..., keep:], atol=1e-3)


@settings(max_examples=15, deadline=None)
@given(draw=st.lists(st.integers(1, 4), min_size=1, max_size=8), frames=st.integers(1, 10),
       seed=st.integers(0, 2**16))
def test_student_encoder_steps_equal_full_sequence(student, draw, frames, seed):
    torch.manual_seed(seed)
    la = student.cfg.lookahead
    x = torch.randn(1, 1, frames * HOP) * 0.3
    with torch.no_grad():
        full = student.encode(x)
        padded = torch.nn.functional.pad(x, (0, la * HOP))
        state, outs, pos = student.encoder_init_state(1), [], 0
        for n in chunk_sizes(draw, padded.shape[-1], HOP):
            z, state = student.encoder_step(padded[..., pos:pos + n], state)
            outs.append(z)
            pos += n
    streamed = torch.cat(outs, dim=-1)[..., la:]
    assert rel_err(streamed, full) <= 1e-5


@settings(max_examples=15, deadline=None)
@given(draw=st.lists(st.integers(1, 4), min_size=1, max_size=8), frames=st.integers(1, 10),
       seed=st.integers(0, 2**16))
def test_student_decoder_steps_equal_full_sequence(student, draw, frames, seed):
    torch.manual_seed(seed)
    z = torch.randn(1, 64, frames)
    with torch.no_grad():
        full = student.decode(z)
        state, outs, pos = student.decoder_init_state(1), [], 0
        for n in chunk_sizes(draw, frames, 1):
            y, state = student.decoder_step(z[..., pos:pos + n], state)
            outs.append(y)
            pos += n
        outs.append(student.decoder_tail(state))
    delay = student.cfg.signal.synthesis_delay
    streamed = torch.cat(outs, dim=-1)[..., delay:]
    assert streamed.shape == full.shape
    assert rel_err(streamed, full) <= 1e-5


def test_state_spec_matches_the_states_the_steps_return(student):
    x = torch.randn(1, 1, HOP)
    with torch.no_grad():
        _, s_enc = student.encoder_step(x, student.encoder_init_state(1))
        _, s_dec = student.decoder_step(torch.randn(1, 64, 1), student.decoder_init_state(1))
    assert [tuple(t.shape) for t in s_enc] == [s.shape for s in student.encoder_state_spec(1)]
    assert [tuple(t.shape) for t in s_dec] == [s.shape for s in student.decoder_state_spec(1)]


def test_config_round_trips_through_json():
    cfg = PRESETS["student-s"]
    assert ModelConfig.from_json(cfg.to_json()) == cfg


def test_wrong_kind_is_refused():
    with pytest.raises(ValueError):
        F3Teacher(PRESETS["student-s"])
    with pytest.raises(ValueError):
        F3Student(PRESETS["teacher"])


def test_decoder_fine_blocks_add_capacity_to_the_decoder_only_and_still_stream():
    base = tiny("student", 1)
    wide = dataclasses.replace(base, net=dataclasses.replace(base.net, decoder_fine_blocks=3))
    a, b = build_model(base), build_model(wide)
    assert a.num_parameters("encoder") == b.num_parameters("encoder")
    assert b.num_parameters("decoder") > a.num_parameters("decoder")
    torch.manual_seed(0)
    z = torch.randn(1, 64, 6)
    b.eval()
    with torch.no_grad():
        full = b.decode(z)
        assert torch.equal(full, b.synthesize(b.decode_spectrum(z)))
        state, parts = b.decoder_init_state(), []
        for t in range(6):
            y, state = b.decoder_step(z[..., t:t + 1], state)
            parts.append(y)
        streamed = torch.cat(parts + [b.decoder_tail(state)], dim=-1)[..., b.cfg.signal.synthesis_delay:]
    assert rel_err(streamed[..., :full.shape[-1]], full) < 1e-4


def test_config_files_are_type_and_range_checked():
    good = PRESETS["student-s"].to_dict()
    assert ModelConfig.from_dict(good) == PRESETS["student-s"]
    for bad in ({"lookahead": 5}, {"kind": "foo"}, {"net": dict(good["net"], fine_channels=-1)},
                {"signal": dict(good["signal"], latent_dim="64")}, {"latent_space": ""}):
        with pytest.raises(ValueError):
            ModelConfig.from_dict(dict(good, **bad))


@pytest.mark.parametrize("name", ["student-s", "student-xs"])
def test_v2_student_presets_are_the_v1_architectures_in_latent_space_v2(name):
    v1, v2 = PRESETS[name], PRESETS[f"{name}-v2"]
    assert v2.latent_space == "f3-v2" == PRESETS["teacher-v2"].latent_space and v1.latent_space == "f3-v1"
    assert (v2.net, v2.signal, v2.lookahead, v2.kind) == (v1.net, v1.signal, v1.lookahead, v1.kind)
    assert v2.name == f"{v1.name}-v2" and ModelConfig.from_dict(v2.to_dict()) == v2
