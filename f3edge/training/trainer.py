"""The training loop shared by `f3edge train` (teacher) and `f3edge distill` (student).

GPU-ready: device selection, bf16 autocast (CPU AMX or CUDA), DDP through torchrun (gloo on CPU,
nccl on CUDA). Resumable: `last/` holds model, optimizer, scheduler, EMA, RNG and data-sampler
state (safetensors + checksummed JSON, training/run_state.py: loading it cannot run code) and is
written atomically every `ckpt_every` steps, so a SIGKILLed run continues exactly; a corrupt latest
state falls back to the previous one.
"""
from __future__ import annotations

import copy
import csv
import dataclasses
import math
import os
import random
import signal
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.distributed as dist
from torch import nn

from ..checkpoint import load_checkpoint, save_checkpoint
from ..config import PRESETS, ModelConfig
from ..data import CropConfig, CropSampler, load_clips, training_split
from ..errors import F3EdgeInputError, TrainingConfigError, TrainingDataError, TrainingDiverged
from ..losses import ReconstructionLoss
from ..models import F3Codec, build_model
from .config import TrainConfig
from .lm_augment import mask_latents
from .objectives import AutoencoderObjective, DistillObjective, RepresentationObjective, autocast
from .run_state import cpu_seconds, load_latest, save_state

CSV_FIELDS = ["step", "time_s", "lr", "sigma", "loss", "mel", "stft", "latent_mse", "latent_snr_db", "grad_norm",
              "cmag", "ccomplex", "phase", "phase_ip", "phase_gd", "phase_iaf", "consistency",
              "adv_g", "adv_fm", "adv_d", "cpu_s", "rq_ce", "rq_acc1", "rq_acc2", "rq_acc3", "lm_ce",
              "ctc_ce", "distill_loss"]
RECIPES = ("autoencoder", "distill", "repr")


def pick_device() -> torch.device:
    if torch.cuda.is_available():
        local = int(os.environ.get("LOCAL_RANK", 0))
        torch.cuda.set_device(local)
        return torch.device("cuda", local)
    return torch.device("cpu")


def resolve_model_config(spec: str) -> ModelConfig:
    if spec in PRESETS:
        return PRESETS[spec]
    path = Path(spec)
    if path.is_file():
        try:
            return ModelConfig.from_json(path.read_text())
        except (ValueError, TypeError, UnicodeDecodeError) as e:
            raise TrainingConfigError(f"{path}: bad model config ({e})") from None
    raise TrainingConfigError(f"unknown model '{spec}': use one of {sorted(PRESETS)} or a config JSON path")


def resolve_representation_config(spec: str):
    from ..models.representation import REPRESENTATION_PRESETS, RepresentationConfig
    if spec in REPRESENTATION_PRESETS:
        return REPRESENTATION_PRESETS[spec]
    path = Path(spec)
    if path.is_file():
        try:
            return RepresentationConfig.from_file(str(path))
        except (ValueError, TypeError, UnicodeDecodeError, OSError) as e:
            raise TrainingConfigError(f"{path}: bad representation config ({e})") from None
    raise TrainingConfigError(f"unknown representation model '{spec}': use one of "
                             f"{sorted(REPRESENTATION_PRESETS)} or a config JSON path")


def load_training_clips(source: str):
    try:
        clips = load_clips(source)
    except F3EdgeInputError:
        raise
    except (OSError, ValueError) as e:
        raise TrainingDataError(f"{source}: cannot read the training data ({str(e)[:160]})") from None
    if not clips:
        raise TrainingDataError(f"{source}: no audio clips found")
    return clips


def lr_factor(step: int, cfg: TrainConfig) -> float:
    if step < cfg.warmup_steps:
        return (step + 1) / cfg.warmup_steps
    t = min(1.0, (step - cfg.warmup_steps) / max(1, cfg.steps - cfg.warmup_steps))
    return cfg.min_lr_ratio + (1 - cfg.min_lr_ratio) * 0.5 * (1 + math.cos(math.pi * t))


# model-config fields that add a head a run may start fresh (continue_from, init_from), and the head's name
ADDABLE_HEADS = {"ctc_classes": "ctc_head", "distill_width": "distill_head"}


def _same_model_config(saved, cfg) -> bool:
    """Compared as parsed configs, so a state saved before a config key was retired still resumes; the
    display name is a label, not architecture (a run renamed for release still resumes)."""
    def unnamed(d: dict) -> dict:
        return {k: v for k, v in d.items() if k != "name"}
    try:
        return unnamed(type(cfg).from_dict(saved).to_dict()) == unnamed(cfg.to_dict())
    except (ValueError, TypeError):
        return False


def _added_heads(saved: dict, cfg, resized: bool = False) -> tuple[str, ...] | None:
    """The state-dict prefixes of the heads (ADDABLE_HEADS) that `cfg` adds to a model of the `saved` config
    (and, with `resized`, those it gives another size: a CTC head over other units starts fresh too), or None
    when the two differ in anything else."""
    added = [k for k in ADDABLE_HEADS
             if getattr(cfg, k) and (not saved.get(k) or resized and saved[k] != getattr(cfg, k))]
    if not _same_model_config(dict(saved, **{k: getattr(cfg, k) for k in added}), cfg):
        return None
    return tuple(ADDABLE_HEADS[k] + "." for k in added)


class EMA:
    def __init__(self, model: nn.Module, decay: float):
        self.decay = decay
        self.shadow = copy.deepcopy(model).eval()
        for p in self.shadow.parameters():
            p.requires_grad_(False)

    @torch.no_grad()
    def update(self, model: nn.Module, decay: float | None = None) -> None:
        d = self.decay if decay is None else decay
        for s, p in zip(self.shadow.parameters(), model.parameters()):
            s.lerp_(p.detach(), 1 - d)


class Trainer:
    """recipe: "autoencoder" (teacher or student from audio), "distill" (student against a frozen teacher),
    "repr" (representation encoder with RQ-MTP on a frozen model's latents: `cfg.teacher` makes them)."""

    def __init__(self, cfg: TrainConfig, distill: bool = False, recipe: str | None = None):
        self.cfg = cfg
        self.recipe = recipe or ("distill" if distill else "autoencoder")
        if self.recipe not in RECIPES:
            raise TrainingConfigError(f"recipe must be one of {RECIPES}, not {self.recipe!r}")
        self.distill = distill = self.recipe == "distill"
        self.repr = self.recipe == "repr"
        self.world = int(os.environ.get("WORLD_SIZE", 1))
        self.rank = int(os.environ.get("RANK", 0))
        self.device = pick_device()
        if self.world > 1 and not dist.is_initialized():
            dist.init_process_group("nccl" if self.device.type == "cuda" else "gloo")
        if cfg.threads:
            torch.set_num_threads(cfg.threads)
        self.out = Path(cfg.out)
        if self.is_main:
            self.out.mkdir(parents=True, exist_ok=True)
            (self.out / "train_config.json").write_text(cfg.to_json())

        torch.manual_seed(cfg.seed)
        from ..registry import resolve_checkpoint_path
        self.lm = self.lm_decoder = self.lm_languages = self.distill_encoder = self.distill_targets = None
        if self.repr:
            from ..models.representation import RepresentationModel
            self.model_cfg = resolve_representation_config(cfg.model)
            if cfg.rq_weight <= 0 and cfg.lm_weight <= 0:
                raise TrainingConfigError("a representation run needs rq_weight > 0 or lm_weight > 0")
            if cfg.ctc_weight > 0:
                if cfg.lm_weight <= 0:
                    raise TrainingConfigError("ctc_weight > 0 reads the frozen LM's transcribed clips: it needs "
                                              "lm_weight > 0 and lm_transcripts")
                from . import ctc_units     # checked before the frozen LM's minutes of loading
                self.ctc_targets = ctc_units.targets(cfg.ctc_units)
                self.model_cfg = dataclasses.replace(self.model_cfg, ctc_classes=ctc_units.classes(cfg.ctc_units))
            if cfg.distill_weight > 0 and cfg.lm_weight <= 0:
                raise TrainingConfigError("distill_weight > 0 reads the frozen LM's transcribed clips and its encoder: "
                                          "it needs lm_weight > 0 and lm_transcripts")
            if cfg.distill_delay < 0:
                raise TrainingConfigError(f"distill_delay is a number of frames >= 0, not {cfg.distill_delay!r}")
            if cfg.lm_weight > 0:
                self._load_frozen_lm()
            self.model = RepresentationModel(self.model_cfg).to(self.device)
        elif cfg.ctc_weight > 0 or cfg.continue_from:
            raise TrainingConfigError("ctc_weight and continue_from are for representation runs (train-repr)")
        else:
            self.model_cfg = resolve_model_config(cfg.model)
            self.model = build_model(self.model_cfg).to(self.device)
        if cfg.init_from:
            self.init_sha = (self._load_initial_representation(cfg.init_from) if self.repr
                             else self._load_initial_weights(resolve_checkpoint_path(cfg.init_from)))
        self._freeze(cfg.freeze)
        self.teacher: F3Codec | None = None
        if distill or self.repr:
            if not cfg.teacher:
                raise TrainingConfigError(f"the {self.recipe} recipe needs a teacher checkpoint (`teacher`)")
            loaded = load_checkpoint(resolve_checkpoint_path(cfg.teacher))
            self.teacher = loaded.model.to(self.device).eval()
            for p in self.teacher.parameters():
                p.requires_grad_(False)
            self.teacher_sha = loaded.sha256
            self.signal = loaded.config.signal
            if self.repr:
                if loaded.config.latent_space != self.model_cfg.latent_space:
                    raise TrainingConfigError(
                        f"{cfg.teacher} makes latents of space {loaded.config.latent_space!r}, the representation "
                        f"config reads {self.model_cfg.latent_space!r}")
                if loaded.config.signal.latent_dim != self.model_cfg.latent_dim:
                    raise TrainingConfigError("the representation config's latent_dim differs from the teacher's")
                if self.model_cfg.rq_reads_audio:
                    from ..mel import latent_rate_mel_dim
                    sig = loaded.config.signal
                    if latent_rate_mel_dim(sig.sample_rate, sig.latent_hop) != self.model_cfg.rq_frame_dim:
                        raise TrainingConfigError("log-mel RQ targets are defined for 16 kHz audio and 25 Hz latents; "
                                                  f"{cfg.teacher} makes {sig.frame_rate:g} Hz latents of "
                                                  f"{sig.sample_rate} Hz audio")
            elif loaded.config.signal != self.model_cfg.signal:
                raise TrainingConfigError("teacher and student must share the signal config (rate, hop, D)")
            if loaded.config.latent_space != self.model_cfg.latent_space:
                raise TrainingConfigError(
                    f"the teacher's latent space is {loaded.config.latent_space!r} but the student's config says "
                    f"{self.model_cfg.latent_space!r}: a student lives in its teacher's space")
        if not self.repr:
            self.signal = self.model_cfg.signal
        self._check_latent_space(distill)
        if self.repr:
            self.objective = RepresentationObjective(self.model, cfg.bf16, cfg.rq_weight, cfg.lm_weight,
                                                     self.lm_decoder,
                                                     self.lm_tokens.prompt_length if self.lm_decoder else 2,
                                                     self.signal, cfg.ctc_weight, cfg.distill_weight,
                                                     cfg.distill_delay)
        else:
            recon = ReconstructionLoss(self.signal.sample_rate, cfg.mel_weight, cfg.stft_weight)
            phase = cfg.phase_weights
            self.objective = (DistillObjective(self.model, recon, cfg.bf16, cfg.latent_weight, phase) if distill
                              else AutoencoderObjective(self.model, recon, cfg.bf16, phase))
        self.wrapped = self.objective
        if self.world > 1:
            # an LM-only representation run leaves the next-code heads without gradients
            self.wrapped = nn.parallel.DistributedDataParallel(
                self.objective, find_unused_parameters=self.repr and cfg.rq_weight == 0)

        clips = load_training_clips(cfg.data)
        if self.lm_decoder is not None:   # the prompt's language per transcribed clip, from the same manifest
            from ..lm.frozen_lms import whisper_language
            self.lm_languages = {c.path: whisper_language(c.lang) for c in clips}
        if cfg.keep_speech_only:
            clips = training_split(clips)
        if not clips:
            raise TrainingDataError(f"{cfg.data}: no training clips (after the speech-only split)")
        self.sampler = CropSampler(clips, CropConfig(seconds=cfg.segment_seconds,
                                                     sample_rate=self.signal.sample_rate),
                                   seed=cfg.seed * 1000 + self.rank)
        if self.lm_decoder is not None:
            from .lm_objective import TranscribedClips
            s = self.signal
            self.lm = TranscribedClips(self.lm_transcripts, self.lm_tokens, s.sample_rate, s.latent_hop,
                                       int(cfg.segment_seconds * s.sample_rate), self.lm_decoder.cfg.max_tokens,
                                       seed=cfg.seed * 1000 + self.rank + 500, augment=self.lm_aug,
                                       languages=self.lm_languages)
            if not len(self.lm):
                raise TrainingDataError(f"{cfg.lm_transcripts}: no transcribed clip of at most {cfg.segment_seconds} s")
            if self.distill_encoder is not None:
                self._compute_distill_targets()
        self.trainable = [p for p in self.model.parameters() if p.requires_grad]
        self.opt = torch.optim.AdamW(self.trainable, lr=cfg.lr, betas=(0.8, 0.99),
                                     weight_decay=cfg.weight_decay)
        self.sched = torch.optim.lr_scheduler.LambdaLR(self.opt, lambda s: lr_factor(s, cfg))
        self.ema = EMA(self.model, cfg.ema_decay)
        self.disc = self.opt_d = None
        if cfg.adv_start_step >= 0:
            from .discriminators import Discriminators
            from .discriminators import ADV_LOSSES
            if cfg.adv_loss not in ADV_LOSSES:
                raise TrainingConfigError(f"adv_loss must be one of {ADV_LOSSES}, not {cfg.adv_loss!r}")
            try:
                self.disc = Discriminators(stft_resolutions=[tuple(r) for r in cfg.disc_stft],
                                           periods=tuple(cfg.disc_periods), channels=cfg.disc_channels,
                                           kind=cfg.disc_kind).to(self.device)
            except ValueError as e:
                raise TrainingConfigError(str(e)) from None
            self.opt_d = torch.optim.AdamW(self.disc.parameters(), lr=cfg.disc_lr, betas=(0.8, 0.99))
            self.disc_wrapped = (nn.parallel.DistributedDataParallel(self.disc) if self.world > 1 else self.disc)
        self.step = 0
        self.elapsed = 0.0          # wall seconds of training steps, over every session of the run
        self.cpu_elapsed = 0.0      # this process's CPU seconds of training steps, likewise
        self.dev = self.held_lm = None
        if cfg.eval_every and self.is_main:
            if self.repr:
                self.held_lm = self._held_out_lm()
            else:
                if not cfg.eval_data:
                    raise TrainingConfigError("eval_every scores an autoencoder or student on eval_data (dev speech)")
                from .dev_eval import DevEvaluator
                self.dev = DevEvaluator(cfg.eval_data, cfg.eval_every_nth_clip, self.out / "eval_log.csv")
        self._resume()
        if self.repr and self.model.quantizer.awaits_input_statistics:
            self._measure_quantizer_statistics()

    def _measure_quantizer_statistics(self, max_clips: int = 600) -> None:
        """Corpus-wide log-mel statistics for the quantizer's input, measured once on a seeded sample of the
        training clips (the same on every rank) before the first step; saved with the model and the EMA."""
        from ..audio import read_audio
        from .rq_mtp import corpus_log_mel_statistics
        clips = self.sampler.clips
        pick = np.random.default_rng(self.cfg.seed).permutation(len(clips))[:max_clips]
        s = self.signal
        audio = (read_audio(clips[i].path, s.sample_rate, min_samples=s.latent_hop) for i in sorted(pick))
        mean, std, frames = corpus_log_mel_statistics(audio, s.sample_rate, s.latent_hop)
        for m in (self.model, self.ema.shadow):
            m.quantizer.set_input_statistics(mean.to(self.device), std.to(self.device), frames)
        if self.is_main:
            print(f"quantizer input statistics: {frames} log-mel frames of {len(pick)} training clips", file=sys.stderr)

    def _load_frozen_lm(self) -> None:
        """The frozen Whisper decoder and tokenizer of `lm_model`; the model gains a projection to its width.
        (Each clip's language, which a multilingual decoder's prompt names, is read from the manifest with the
        training clips.)"""
        from ..lm.frozen_lms import FrozenLMError, frozen_lm
        from ..lm.whisper_decoder import load_whisper_decoder
        from .lm_objective import WhisperTokens
        if not self.cfg.lm_transcripts:
            raise TrainingConfigError("lm_weight > 0 needs lm_transcripts (make them with `f3edge data transcribe`)")
        try:
            lm = frozen_lm(self.cfg.lm_model)
        except FrozenLMError as e:
            raise TrainingConfigError(str(e)) from None
        model_dir = lm.model_dir()
        self.lm_decoder = load_whisper_decoder(model_dir).to(self.device)
        self.lm_tokens = WhisperTokens(model_dir, lm.multilingual)
        if self.cfg.distill_weight > 0:   # the encoder of the LM's own Whisper model: its decoder reads its features
            from ..lm.whisper_encoder import load_whisper_encoder
            self.distill_encoder = load_whisper_encoder(model_dir)
            self.model_cfg = dataclasses.replace(self.model_cfg, distill_width=self.distill_encoder.width)
        from .held_out_lm import split_transcript_files
        if not 0.0 <= self.cfg.lm_held_out <= 0.5:
            raise TrainingConfigError(f"lm_held_out must be a share in [0, 0.5], not {self.cfg.lm_held_out!r}")
        try:
            self.lm_aug = self.cfg.lm_augment
            if self.lm_aug.voice:
                from .lm_augment import require_voice_perturbation
                require_voice_perturbation()
        except (ValueError, ImportError) as e:
            raise TrainingConfigError(str(e)) from None
        self.lm_transcripts, self.lm_held_out = split_transcript_files(
            self.cfg.lm_transcripts, self.cfg.lm_training_only_transcripts, self.cfg.lm_held_out)
        self.model_cfg = dataclasses.replace(self.model_cfg, lm_width=self.lm_decoder.cfg.width)

    def _compute_distill_targets(self) -> None:
        """The frozen encoder's features of every training clip, once, before the first step (a resumed run
        computes the same again); the encoder is dropped afterwards."""
        from .encoder_distill import DistillTargets, whisper_targets
        t0 = time.time()
        self.distill_targets = DistillTargets(whisper_targets(self.distill_encoder, [x for x, _ in self.lm.items],
                                                              self.signal.latent_hop))
        self.distill_encoder = None
        if self.is_main:
            print(f"distillation targets: {len(self.lm)} clips in {time.time() - t0:.0f} s", file=sys.stderr)

    def _held_out_lm(self):
        """eval_every in a representation run: the frozen-LM loss on the held-out transcribed clips."""
        from .held_out_lm import HeldOutLM
        from .lm_objective import TranscribedClips
        if self.lm_decoder is None or not self.cfg.lm_held_out:
            raise TrainingConfigError("eval_every in a representation run scores the frozen-LM loss on held-out "
                                      "clips: it needs lm_weight > 0 and lm_held_out > 0")
        s = self.signal
        clips = TranscribedClips(self.lm_held_out, self.lm_tokens, s.sample_rate, s.latent_hop,
                                 int(self.cfg.segment_seconds * s.sample_rate), self.lm_decoder.cfg.max_tokens,
                                 languages=self.lm_languages)
        return HeldOutLM(clips, self.cfg.lm_batch_size, self.out / "lm_eval_log.csv")

    def _load_initial_weights(self, path) -> str:
        """Fine-tuning starts from a finished checkpoint of the same architecture (a resume overrides it)."""
        loaded = load_checkpoint(path)
        if loaded.config.signal != self.model_cfg.signal:
            raise TrainingConfigError(f"{path}: signal config differs from the run's model {self.cfg.model!r}")
        self.init_meta = loaded.meta
        self.init_latent_space = loaded.config.latent_space
        from ..models.grow import can_grow, grow_decoder_fine_blocks
        state = loaded.model.state_dict()
        if can_grow(loaded.config, self.model_cfg):   # more decoder fine blocks: new ones start as the identity
            state = grow_decoder_fine_blocks(state, loaded.config, self.model_cfg, self.model.state_dict())
        try:   # same architecture; fixed buffers (e.g. the DFT bases' rounding) may differ
            self.model.load_state_dict(state)
        except RuntimeError as e:
            raise TrainingConfigError(f"{path}: weights do not fit the run's model {self.cfg.model!r}: {e}") from None
        return loaded.sha256

    def _load_initial_representation(self, name_or_path: str) -> str:
        """A representation run may start from a finished encoder of the same config, heads included (e.g. a
        bundled one, run on with a new schedule), or of fewer blocks (grown: models/grow.py); the optimizer and
        schedule start fresh (a resume overrides it)."""
        from ..representation import load_representation
        from ..registry import resolve_representation_path
        path = resolve_representation_path(name_or_path)
        loaded = load_representation(path)
        old_blocks, new_blocks = loaded.config.blocks, self.model_cfg.blocks
        # a deeper encoder may start from it (the new blocks start as the identity); a shallower one may not
        added = _added_heads(dict(loaded.config.to_dict(), blocks=max(old_blocks, new_blocks)), self.model_cfg,
                             resized=True)
        if added is None:
            raise TrainingConfigError(f"{path}: its representation config differs from the run's "
                                      f"{self.cfg.model!r} (with this run's CTC units); init_from needs the same one, "
                                      f"but for more blocks or a head among {list(ADDABLE_HEADS.values())} this run "
                                      f"adds or resizes")
        self.init_meta = loaded.meta
        own = self.model.state_dict()
        state = loaded.model.state_dict()
        if new_blocks > old_blocks:
            from ..models.grow import grow_representation_blocks
            state = grow_representation_blocks(state, old_blocks, new_blocks, own)
        self.model.load_state_dict({**state, **{k: v for k, v in own.items() if k.startswith(added)}})
        return loaded.sha256

    def _check_latent_space(self, distill: bool) -> None:
        """An autoencoder run that trains the encoder of a released model makes a new latent space: its model
        config must name one other than the starting checkpoint's (an unreleased space may train on)."""
        from ..config import RELEASED_LATENT_SPACES
        if distill or self.repr or not self.cfg.init_from or "encoder" in self.cfg.freeze:
            return
        start = self.init_latent_space
        if start == self.model_cfg.latent_space and start in RELEASED_LATENT_SPACES:
            raise TrainingConfigError(
                f"this run trains the encoder of a {start!r} model, which makes a new latent space: give the run's "
                f"model config another latent_space (e.g. 'f3-v2'), or freeze the encoder")

    def _freeze(self, names: list[str]) -> None:
        # Freezing the encoder keeps the latent space fixed, so decoder fine-tuning (e.g. adversarial)
        # leaves every student distilled from this model compatible.
        for name in names:
            module = getattr(self.model, name, None)
            if not isinstance(module, nn.Module):
                raise TrainingConfigError(f"freeze: the model has no submodule {name!r}")
            for p in module.parameters():
                p.requires_grad_(False)

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    # --- checkpointing ---
    def _state(self) -> dict:
        return {
            "step": self.step, "elapsed": self.elapsed, "cpu_elapsed": self.cpu_elapsed,
            "model": self.model.state_dict(), "ema": self.ema.shadow.state_dict(),
            "opt": self.opt.state_dict(), "sched": self.sched.state_dict(),
            "torch_rng": torch.get_rng_state(), "numpy_rng": list(np.random.get_state()), "py_rng": random.getstate(),
            "sampler": self.sampler.state_dict(), "model_config": self.model_cfg.to_dict(),
            **({"lm_sampler": self.lm.state_dict()} if self.lm is not None else {}),
            "world": self.world,
            **({"disc": self.disc.state_dict(), "opt_d": self.opt_d.state_dict()} if self.disc is not None else {}),
        }

    @property
    def state_dir(self) -> Path:
        """Every rank keeps its own sampler/RNG state; rank 0 also owns the shared model state."""
        return self.out if self.rank == 0 else self.out / f"rank{self.rank}"

    def save(self) -> None:
        self.state_dir.mkdir(parents=True, exist_ok=True)
        save_state(self._state(), self.state_dir)

    def _resume(self) -> None:
        s = load_latest(self.state_dir, map_location=self.device)
        continued = s is None and self.cfg.continue_from is not None
        if continued:
            s = self._continued_state()
        if s is None:
            return
        if not continued and not _same_model_config(s.get("model_config"), self.model_cfg):
            raise TrainingConfigError(f"{self.out}: the saved run state is of another model config; "
                                      "use a new --out folder")
        self.model.load_state_dict(s["model"])
        self.ema.shadow.load_state_dict(s["ema"])
        self.opt.load_state_dict(s["opt"])
        self.sched.load_state_dict(s["sched"])
        torch.set_rng_state(s["torch_rng"])
        np.random.set_state(tuple(s["numpy_rng"]))
        random.setstate(s["py_rng"])
        self.sampler.load_state_dict(s["sampler"])
        if self.lm is not None and "lm_sampler" in s:
            self.lm.load_state_dict(s["lm_sampler"])
        if self.disc is not None and "disc" in s:
            self.disc.load_state_dict(s["disc"])
            self.opt_d.load_state_dict(s["opt_d"])
        self.step, self.elapsed = s["step"], s["elapsed"]
        self.cpu_elapsed = cpu_seconds(s)
        if self.is_main:
            self._truncate_log(self.step)
            for log in (self.dev, self.held_lm):
                if log is not None:
                    log.truncate(self.step)
            print(f"resumed from {self.cfg.continue_from if continued else self.state_dir} at step {self.step}",
                  file=sys.stderr)

    def _continued_state(self) -> dict:
        """`continue_from`'s latest state, made to fit this run's model: the model config may differ only by
        heads this run adds (they keep their fresh init, and the optimizer starts their moments at zero)."""
        src = Path(self.cfg.continue_from)
        if self.world > 1:
            raise TrainingConfigError("continue_from starts a single-process run")
        s = load_latest(src, map_location=self.device)
        if s is None:
            raise TrainingConfigError(f"continue_from: {src} holds no run state")
        added = _added_heads(s.get("model_config") or {}, self.model_cfg)
        if added is None:
            raise TrainingConfigError(f"continue_from: {src} holds a run of another model config (only a head "
                                      f"among {list(ADDABLE_HEADS.values())} may be added)")
        fresh = {k: v for k, v in self.model.state_dict().items() if k not in s["model"]}
        if any(not k.startswith(added) for k in fresh):
            raise TrainingConfigError(f"continue_from: {src}'s weights do not fit this run's model")
        names = [n for n, p in self.model.named_parameters() if p.requires_grad]
        groups = s["opt"]["param_groups"]
        n_saved = len(groups[0]["params"]) if len(groups) == 1 else -1
        if n_saved < 0 or any(n in fresh for n in names[:n_saved]) or any(n not in fresh for n in names[n_saved:]):
            raise TrainingConfigError(f"continue_from: {src}'s optimizer state does not fit this run's model")
        groups[0]["params"] = list(range(len(names)))   # the added heads' parameters come last
        s["model"] = {**s["model"], **fresh}
        s["ema"] = {**s["ema"], **{k: v for k, v in self.ema.shadow.state_dict().items() if k in fresh}}
        return s

    def _truncate_log(self, step: int) -> None:
        log = self.out / "train_log.csv"
        if not log.exists():
            return
        with open(log, newline="") as f:
            rows = [r for r in csv.DictReader(f) if int(r["step"]) <= step]
        with open(log, "w", newline="") as f:
            w = csv.DictWriter(f, CSV_FIELDS)
            w.writeheader()
            w.writerows(rows)

    # --- loop ---
    def sigma(self) -> float:
        if self.repr:
            return 0.0
        ramp = min(1.0, self.step / max(1, self.cfg.sigma_warmup_steps))
        top = self.model_cfg.noise_sigma if self.cfg.noise_sigma is None else self.cfg.noise_sigma
        return top * ramp

    def train_step(self) -> dict[str, float]:
        cfg = self.cfg
        rq_off = self.repr and cfg.rq_weight == 0   # frozen-LM only: no crops to quantize
        wav = None if rq_off else torch.from_numpy(self.sampler.batch(cfg.batch_size)).to(self.device)
        sigma = self.sigma()
        zt = None
        if self.teacher is not None and wav is not None:
            with torch.no_grad(), autocast(self.device, cfg.bf16):
                zt = self.teacher.encode(wav).float()
        if self.repr:
            lm_batch = None
            if self.lm is not None:
                wav_l, frames, tokens, drawn = self.lm.batch(cfg.lm_batch_size)
                with torch.no_grad(), autocast(self.device, cfg.bf16):
                    zl = self.teacher.encode(wav_l.to(self.device)).float()
                zl = mask_latents(zl, frames, self.lm_aug)
                units = None
                if cfg.ctc_weight > 0:
                    rows = tokens.tolist()
                    units = self.ctc_targets([self.lm_tokens.text(r) for r in rows],
                                             [self.lm_tokens.language(r) for r in rows])
                distill = None if self.distill_targets is None else self.distill_targets.batch(drawn, frames)
                lm_batch = (zl, frames, tokens.to(self.device), units, distill)
            out = self.wrapped(zt, lm_batch, wav if self.model_cfg.rq_reads_audio else None)
        elif self.distill:
            out = self.wrapped(wav, sigma, zt)
        else:
            out = self.wrapped(wav, sigma)
        y, target = out.pop("_y", None), out.pop("_target", None)
        if self.disc is not None and self.step >= cfg.adv_start_step:
            out.update(self._adversarial(y, target))
        if "loss_adv" in out:
            out["loss"] = out["loss"] + out.pop("loss_adv")
        if not torch.isfinite(out["loss"].detach()):
            raise TrainingDiverged(f"the training loss turned non-finite at step {self.step + 1}; the last good "
                                   f"checkpoint in {self.out} is kept (check the data, lower the learning rate)")
        self.opt.zero_grad(set_to_none=True)
        out["loss"].backward()
        gnorm = torch.nn.utils.clip_grad_norm_(self.trainable, cfg.grad_clip)
        self.opt.step()
        self.sched.step()
        self.step += 1
        if self.step >= cfg.ema_start:
            self.ema.update(self.model)
        else:
            self.ema.update(self.model, decay=0.0)
        row = {k: float(v.detach()) for k, v in out.items()}
        row.update(sigma=sigma, grad_norm=float(gnorm), lr=self.sched.get_last_lr()[0])
        return row

    def _adversarial(self, y: torch.Tensor, target: torch.Tensor) -> dict:
        """One discriminator update, then the generator's adversarial + feature-matching terms."""
        from .discriminators import discriminator_loss, feature_matching_loss, generator_loss
        cfg = self.cfg
        d_loss = discriminator_loss(self.disc_wrapped(target), self.disc_wrapped(y.detach()), cfg.adv_loss)
        self.opt_d.zero_grad(set_to_none=True)
        d_loss.backward()
        torch.nn.utils.clip_grad_norm_(self.disc.parameters(), cfg.grad_clip * 10)
        self.opt_d.step()
        fake = self.disc_wrapped(y)
        with torch.no_grad():
            real = self.disc_wrapped(target)
        g, fm = generator_loss(fake, cfg.adv_loss), feature_matching_loss(real, fake)
        return {"loss_adv": cfg.adv_weight * g + cfg.fm_weight * fm, "adv_g": g, "adv_fm": fm, "adv_d": d_loss.detach()}

    def run(self) -> Path | None:
        cfg = self.cfg
        writer = self._tensorboard()
        log_path = self.out / "train_log.csv"
        new_log = not log_path.exists()
        stop = {"now": False}
        signal.signal(signal.SIGTERM, lambda *_: stop.__setitem__("now", True))
        bar = self._progress()
        t0 = time.time() - self.elapsed
        session_start, cpu_start = time.time(), time.process_time()
        cpu_t0 = cpu_start - self.cpu_elapsed
        acc: dict[str, list[float]] = {}
        with open(log_path, "a", newline="") if self.is_main else open(os.devnull, "w") as logf:
            w = csv.DictWriter(logf, CSV_FIELDS, extrasaction="ignore")
            if new_log and self.is_main:
                w.writeheader()
            while self.step < cfg.steps and not stop["now"]:
                row = self.train_step()
                for k, v in row.items():
                    acc.setdefault(k, []).append(v)
                self.elapsed = time.time() - t0
                self.cpu_elapsed = time.process_time() - cpu_t0
                if bar is not None:
                    bar.update(1)
                    bar.set_postfix(loss=f"{row['loss']:.3f}", mel=f"{row['mel']:.3f}")
                if self.step % cfg.log_every == 0:
                    mean = {k: float(np.mean(v)) for k, v in acc.items()}
                    acc = {}
                    mean.update(step=self.step, time_s=round(self.elapsed, 1),
                                cpu_s=round(time.process_time() - cpu_start, 1))
                    if self.is_main:
                        w.writerow(mean)
                        logf.flush()
                        if writer is not None:
                            for k, v in mean.items():
                                if k not in ("step",):
                                    writer.add_scalar(f"train/{k}", v, self.step)
                        if bar is None:
                            print(f"step {self.step} " + " ".join(f"{k}={v:.4g}" for k, v in mean.items()
                                                                    if k in ("loss", "mel", "stft", "latent_snr_db")),
                                  file=sys.stderr, flush=True)
                if self.dev is not None and self.step % cfg.eval_every == 0:
                    self._score_dev(time.process_time() - cpu_start)
                if self.held_lm is not None and self.step % cfg.eval_every == 0:
                    self._score_held_out_lm(time.process_time() - cpu_start)
                if self.step % cfg.ckpt_every == 0:
                    self.save()
                if self.step in cfg.snapshot_steps and self.is_main:   # budget points of a comparison
                    save_checkpoint(self.ema.shadow, self.out / f"model_at_{self.step}", self._meta())
                if cfg.time_limit_minutes and time.time() - session_start > cfg.time_limit_minutes * 60:
                    break
                if cfg.cpu_limit_minutes and time.process_time() - cpu_start > cfg.cpu_limit_minutes * 60:
                    break
        self.save()
        if bar is not None:
            bar.close()
        if writer is not None:
            writer.close()
        if self.world > 1:
            dist.barrier()
        result = None
        if self.is_main:
            result = self.export()
        return result

    def _score_dev(self, cpu_s: float) -> None:
        """Score the EMA weights on dev speech; keep them in out/best when they beat every earlier score."""
        from ..checkpoint import LoadedModel
        from ..tokenizer import Tokenizer
        shadow = self.ema.shadow
        scored = copy.deepcopy(shadow).float().cpu()   # scoring runs on the CPU whatever the training device
        scores = self.dev.score(Tokenizer(LoadedModel(scored, self.model_cfg, "training", {}, self.out)))
        if self.dev.record(self.step, cpu_s, scores):
            save_checkpoint(shadow, self.out / "best", self._meta() | {"dev_scores": scores})
        print(f"step {self.step} dev PESQ-wb {scores['pesq_wb']:.3f} STOI {scores['stoi']:.3f} "
              f"(best {self.dev.best:.3f})", file=sys.stderr, flush=True)

    def _score_held_out_lm(self, cpu_s: float) -> None:
        """The EMA encoder's frozen-LM loss on the held-out clips; its best weights go to out/best."""
        shadow = self.ema.shadow
        loss = self.held_lm.score(shadow, self.teacher, self.lm_decoder, self.device)
        if self.held_lm.record(self.step, cpu_s, loss):
            save_checkpoint(shadow, self.out / "best", self._meta() | {"lm_ce_held_out": round(loss, 5)})
        print(f"step {self.step} held-out LM loss {loss:.4f} (best {self.held_lm.best:.4f})",
              file=sys.stderr, flush=True)

    def export(self) -> Path:
        """EMA weights -> a safetensors checkpoint folder `out/model`."""
        return save_checkpoint(self.ema.shadow, self.out / "model", self._meta())

    def _meta(self) -> dict:
        meta = {"train_steps": self.step, "train_cpu_seconds": round(self.cpu_elapsed, 1),
                "train_wall_seconds": round(self.elapsed, 1),
                "world_size": self.world, "recipe": self.recipe}
        if self.lm_decoder is not None:
            meta["frozen_lm"] = self.cfg.lm_model
        if self.teacher is not None:
            meta["teacher_sha256"] = self.teacher_sha
        if self.cfg.init_from:   # lineage: what this run started from, and the totals including it
            prior = self.init_meta
            meta.update(init_sha256=self.init_sha, frozen=list(self.cfg.freeze),
                        total_train_steps=self.step + prior.get("total_train_steps", prior.get("train_steps", 0)),
                        total_train_cpu_seconds=round(self.cpu_elapsed + prior.get(
                            "total_train_cpu_seconds", prior.get("train_cpu_seconds", 0.0)), 1))
        return meta

    def _tensorboard(self):
        if not self.is_main:
            return None
        try:
            from torch.utils.tensorboard import SummaryWriter
        except Exception:  # tensorboard is an optional dependency
            return None
        return SummaryWriter(str(self.out / "tb"))

    def _progress(self):
        if not self.is_main or not sys.stderr.isatty():
            return None
        from tqdm import tqdm
        return tqdm(total=self.cfg.steps, initial=self.step, unit="step", dynamic_ncols=True)


def train(cfg: TrainConfig, distill: bool = False, recipe: str | None = None) -> Path | None:
    trainer = Trainer(cfg, distill=distill, recipe=recipe)
    try:
        return trainer.run()
    finally:
        if dist.is_initialized():
            dist.destroy_process_group()
