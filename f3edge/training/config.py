"""Training run configuration (one JSON file per run; see configs/)."""
from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass


@dataclass
class TrainConfig:
    model: str = "teacher"                 # preset name (f3edge.config.PRESETS) or a model-config JSON path
    data: str = "data/corpus"              # corpus manifest, folder with manifest.tsv, or folder of audio
    out: str = "runs/teacher"
    teacher: str | None = None             # distillation: teacher checkpoint dir or registry name
    init_from: str | None = None           # fine-tuning: start from these weights (checkpoint dir or registry name;
                                           # representation runs: an encoder of the same config, heads included,
                                           # but for a head this run adds, which starts fresh, or fewer blocks)
    continue_from: str | None = None       # representation runs: an empty `out` starts from this run folder's latest
                                           # state (step, schedule, optimizer, samplers); a head this config adds
                                           # (ctc_weight) starts from its init: a same-start arm of a comparison
    freeze: list[str] = dataclasses.field(default_factory=list)  # submodules kept fixed, e.g. ["encoder"]
    steps: int = 20000
    batch_size: int = 12
    segment_seconds: float = 1.28
    lr: float = 1e-3
    min_lr_ratio: float = 0.05
    warmup_steps: int = 500
    weight_decay: float = 0.01
    grad_clip: float = 1.0
    ema_decay: float = 0.999
    ema_start: int = 200
    sigma_warmup_steps: int = 2000         # bottleneck noise ramps from 0 to its max over these steps
    noise_sigma: float | None = None       # max bottleneck noise std in this run; None: the model config's
    mel_weight: float = 1.0
    stft_weight: float = 1.0
    latent_weight: float = 10.0            # distillation: student-vs-teacher latent MSE
    # phase-aware losses at the decoder's own STFT (training/spectral_losses.py); 0 = off
    cmag_weight: float = 0.0               # power-law compressed magnitude MSE
    ccomplex_weight: float = 0.0           # power-law compressed complex MSE
    phase_weight: float = 0.0              # anti-wrapping instantaneous phase + group delay + inst. frequency
    consistency_weight: float = 0.0        # decoder spectrum vs the STFT of the audio it synthesizes
    adv_start_step: int = -1               # adversarial training from this step on (-1: never)
    adv_weight: float = 1.0                # generator adversarial loss
    adv_loss: str = "hinge"                # "hinge" or "lsgan"
    disc_kind: str = "stft_mpd"            # "stft_mpd" (complex STFT + multi-period) or "logmag" (small 2-D convs on log|STFT|)
    fm_weight: float = 2.0                 # feature matching
    disc_lr: float = 2e-4
    disc_channels: int = 32
    disc_stft: list[list[int]] = dataclasses.field(default_factory=lambda: [[512, 128], [1024, 256], [256, 64]])
    disc_periods: list[int] = dataclasses.field(default_factory=lambda: [2, 3, 5, 7, 11])
    bf16: bool = True
    seed: int = 0
    threads: int = 0                       # 0: leave torch's default
    ckpt_every: int = 250
    snapshot_steps: list[int] = dataclasses.field(default_factory=list)  # EMA weights also kept as out/model_at_<step>
    log_every: int = 25
    keep_speech_only: bool = True
    time_limit_minutes: float = 0.0        # stop cleanly (with a checkpoint) after this long; 0 = no limit
    cpu_limit_minutes: float = 0.0         # the same in this process's CPU time (a fair budget when runs share cores)
    eval_data: str | None = None           # dev speech scored every `eval_every` steps (PESQ/STOI, eval_log.csv)
    eval_every: int = 0                    # 0 = never; the best-PESQ EMA weights are kept in out/best
    eval_every_nth_clip: int = 4
    # representation encoder (recipe "repr"): RQ-MTP and frozen-LM (Whisper tiny.en decoder) objectives
    rq_weight: float = 1.0
    lm_weight: float = 0.0                 # > 0: frozen-LM supervision on transcribed clips
    lm_model: str = "whisper-tiny-en"      # the frozen decoder (lm/frozen_lms.py): whisper-tiny-en | whisper-base
    lm_transcripts: str | list[str] | None = None   # JSON {clip path: text} (or several, merged); `f3edge data
                                           # transcribe` / `data texts` make them
    lm_training_only_transcripts: list[str] = dataclasses.field(default_factory=list)  # more transcripts files
                                           # (synthetic speech, `f3edge data synth`) used for training and never
                                           # held out: the held-out loss stays on the real speech of lm_transcripts
    lm_batch_size: int = 8
    ctc_weight: float = 0.0                # > 0: a per-frame CTC objective on the frozen LM's transcribed clips,
                                           # through a linear head on the features (ctc_units.py); needs lm_weight
    ctc_units: str = "characters"          # what that head spells: characters | phones | words (ctc_units.py)
    distill_weight: float = 0.0            # > 0: a linear head on the features regresses the frozen LM's own Whisper
                                           # encoder features of the same clips (encoder_distill.py); needs lm_weight
    distill_delay: int = 0                 # frames the distillation target lags the frame scored against it
    lm_held_out: float = 0.0               # share of transcribed clips kept out of training; with eval_every, their
                                           # frozen-LM loss is logged and the lowest-loss weights kept in out/best
    # augmentation of the frozen-LM training clips (training/lm_augment.py); 0 = off
    lm_speed_perturb: float = 0.0          # speed factor drawn from [1 - r, 1 + r]
    lm_formant_shift: float = 0.0          # voice perturbation: formants scaled by a ratio in [1 - r, 1 + r]
    lm_pitch_shift: float = 0.0            # voice perturbation: pitch median moved by up to +-s semitones
    lm_voice_share: float = 1.0            # voice perturbation: the share of clips it is applied to
    lm_time_masks: int = 0                 # latent time spans zeroed per clip
    lm_time_mask_frames: int = 10
    lm_channel_masks: int = 0              # latent channel bands zeroed per clip
    lm_channel_mask_width: int = 8

    @property
    def phase_weights(self):
        from .spectral_losses import PhaseLossWeights
        return PhaseLossWeights(self.cmag_weight, self.ccomplex_weight, self.phase_weight, self.consistency_weight)

    @property
    def lm_augment(self):
        """Raises ValueError on an out-of-range setting."""
        from .lm_augment import LMAugment
        return LMAugment(self.lm_speed_perturb, self.lm_time_masks, self.lm_time_mask_frames,
                         self.lm_channel_masks, self.lm_channel_mask_width, self.lm_formant_shift,
                         self.lm_pitch_shift, self.lm_voice_share)

    def to_json(self) -> str:
        return json.dumps(dataclasses.asdict(self), indent=2)

    @classmethod
    def from_file(cls, path: str, **overrides) -> "TrainConfig":
        d = read_layers(path)
        d.update({k: v for k, v in overrides.items() if v is not None})
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = set(d) - known
        if unknown:
            raise ValueError(f"{path}: unknown training config keys {sorted(unknown)}")
        return cls(**d)


def read_layers(path: str, _seen: tuple = ()) -> dict:
    """A run config's keys over those of its `base` (a run config it refines, recursively): the families'
    shared settings live once in configs/base/, and each run states only what differs. Paths in run
    configs, `base` included, are relative to the working directory (the repository root)."""
    if path in _seen:
        raise ValueError(f"{path}: its base chain loops ({' -> '.join(_seen + (path,))})")
    try:
        with open(path) as f:
            d = json.load(f)
    except OSError as e:
        raise ValueError(f"{path}: cannot read the run config ({e.strerror})") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise ValueError(f"{path}: not a JSON run config ({e})") from None
    if not isinstance(d, dict):
        raise ValueError(f"{path}: a run config must be a JSON object")
    base = d.pop("base", None)
    if base is None:
        return d
    if not isinstance(base, str):
        raise ValueError(f"{path}: base must be the path of a run config")
    return {**read_layers(base, _seen + (path,)), **d}
