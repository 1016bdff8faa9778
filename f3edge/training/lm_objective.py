"""Frozen-LM supervision of the representation encoder: its features, projected to the width of Whisper's
decoder (`lm_proj`, trained), take the place of Whisper's encoder output; the frozen decoder reads them
through cross-attention and predicts the clip's transcript, teacher-forced, with cross-entropy. Only the
representation encoder and the projection learn (the decoder is not part of the trained model).

Batches are whole transcribed clips (the transcripts cover whole clips), padded to the longest
one; padded latent frames are masked out of the cross-attention, padded tokens out of the loss.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .lm_augment import LMAugment, speed_perturb, voice_perturb

IGNORE = -100


class WhisperTokens:
    """A Whisper tokenizer (tokenizer.json from the same registry package as the decoder). An English-only
    model reads the prompt <|startoftranscript|><|notimestamps|>; a multilingual one
    <|startoftranscript|><|lang|><|transcribe|><|notimestamps|>, with the clip's language given (the prompt
    is read, never predicted)."""

    def __init__(self, model_dir, multilingual: bool = False):
        from tokenizers import Tokenizer
        self.tok = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self.multilingual = multilingual
        names = ("<|startoftranscript|>", "<|notimestamps|>", "<|endoftext|>", "<|transcribe|>")
        ids = [self.tok.token_to_id(t) for t in names[: 4 if multilingual else 3]]
        if None in ids:
            from ..errors import TrainingConfigError
            raise TrainingConfigError(f"{model_dir}: not a{' multilingual' if multilingual else ''} Whisper tokenizer")
        self.sot, self.notimestamps, self.eot = ids[:3]
        self.transcribe = ids[3] if multilingual else None

    @property
    def prompt_length(self) -> int:
        return 4 if self.multilingual else 2

    def knows_language(self, lang: str) -> bool:
        return self.tok.token_to_id(f"<|{lang}|>") is not None

    def prompt(self, lang: str | None = None) -> list[int]:
        if not self.multilingual:
            return [self.sot, self.notimestamps]
        if lang is None or not self.knows_language(lang):
            raise ValueError(f"the multilingual prompt needs a language Whisper knows, not {lang!r}")
        return [self.sot, self.tok.token_to_id(f"<|{lang}|>"), self.transcribe, self.notimestamps]

    def sequence(self, text: str, lang: str | None = None) -> list[int]:
        """prompt + the text's tokens + end of text: what the decoder reads (all but the last) and predicts
        (all after the prompt)."""
        # add_special_tokens=False: the tokenizer's post-processor would wrap the text in a second prompt and
        # end of text of its own
        return self.prompt(lang) + self.tok.encode(" " + text.strip(), add_special_tokens=False).ids + [self.eot]

    def language(self, sequence) -> str:
        """The language a `sequence` row's prompt names ("en" for an English-only model)."""
        if not self.multilingual:
            return "en"
        return self.tok.id_to_token(int(sequence[1])).strip("<|>")

    def text(self, sequence) -> str:
        """The transcript a `sequence` row holds: the tokens between the prompt and the end of text."""
        ids = [int(i) for i in sequence[self.prompt_length:]]
        return self.tok.decode(ids[: ids.index(self.eot)] if self.eot in ids else ids).strip()


class ClipBatch(NamedTuple):
    wav: Tensor          # (B, 1, L) audio, padded to a whole latent frame
    frames: Tensor       # (B,) valid latent frames
    tokens: Tensor       # (B, N) token ids padded with IGNORE
    indices: list[int]   # which clips were drawn (TranscribedClips.items)


class TranscribedClips:
    """Transcribed clips no longer than `max_samples`, drawn in seeded batches (resumable like CropSampler);
    `augment` perturbs the audio of each drawn clip (training draws only; its speed and voice settings, see
    lm_augment)."""

    def __init__(self, transcripts: dict[str, str], tokens: WhisperTokens, sample_rate: int, hop: int,
                 max_samples: int, max_tokens: int, seed: int = 0, augment: LMAugment | None = None,
                 languages: dict[str, str] | None = None):
        """`languages` ({clip path: Whisper language}, from the corpus manifest): a multilingual tokenizer
        needs each clip's, and clips without one it knows are left out; an English-only one leaves out clips
        known to be in another language."""
        from ..audio import read_audio
        self.hop, self.sample_rate, self.augment = hop, sample_rate, augment or LMAugment()
        self.prompt_length = tokens.prompt_length
        self.items: list[tuple[np.ndarray, list[int]]] = []
        for path, text in sorted(transcripts.items()):
            if not text.strip():
                continue
            lang = (languages or {}).get(path)
            if tokens.multilingual and (lang is None or not tokens.knows_language(lang)):
                continue
            if not tokens.multilingual and lang not in (None, "en"):
                continue
            x = read_audio(path, sample_rate)
            ids = tokens.sequence(text, lang)
            if hop <= len(x) <= max_samples and len(ids) <= max_tokens:
                self.items.append((x, ids))
        self.rng = np.random.default_rng(seed)

    def __len__(self) -> int:
        return len(self.items)

    def batch(self, n: int) -> ClipBatch:
        """`n` clips drawn at random, each perturbed as `augment` says."""
        indices = self.rng.integers(0, len(self.items), size=n).tolist()
        picks = [self.items[i] for i in indices]
        aug = self.augment
        # draws in a fixed order (speed, then voice, then its share), so a run without voice perturbation
        # draws as before it existed
        speeds = self.rng.uniform(1 - aug.speed, 1 + aug.speed, size=n) if aug.speed > 0 else None
        if aug.voice:
            formants = self.rng.uniform(1 - aug.formant_shift, 1 + aug.formant_shift, size=n)
            pitches = 2.0 ** (self.rng.uniform(-aug.pitch_shift, aug.pitch_shift, size=n) / 12)
            # drawn only for a share below 1, so a run that perturbs every clip draws as before the share existed
            chosen = self.rng.random(n) < aug.voice_share if aug.voice_share < 1 else np.ones(n, bool)
            picks = [(voice_perturb(x, f, p, self.sample_rate) if c else x, ids)
                     for (x, ids), f, p, c in zip(picks, formants, pitches, chosen)]
        if speeds is not None:
            picks = [(speed_perturb(x, f, self.sample_rate), ids) for (x, ids), f in zip(picks, speeds)]
        return self._collate(picks, indices)

    def batch_of(self, indices) -> ClipBatch:
        """The clips at `indices`, never perturbed (held-out scoring reads them in a fixed order)."""
        indices = list(indices)
        return self._collate([self.items[i] for i in indices], indices)

    def _collate(self, picks, indices: list[int]) -> ClipBatch:
        n = len(picks)
        length = max(len(x) for x, _ in picks)
        length += (-length) % self.hop
        wav = np.zeros((n, 1, length), np.float32)
        n_tok = max(len(ids) for _, ids in picks)
        tokens = np.full((n, n_tok), IGNORE, np.int64)
        for i, (x, ids) in enumerate(picks):
            wav[i, 0, :len(x)] = x
            tokens[i, :len(ids)] = ids
        frames = torch.tensor([-(-len(x) // self.hop) for x, _ in picks])
        return ClipBatch(torch.from_numpy(wav), frames, torch.from_numpy(tokens), indices)

    def state_dict(self) -> dict:
        return {"rng": self.rng.bit_generator.state}

    def load_state_dict(self, s: dict) -> None:
        self.rng.bit_generator.state = s["rng"]


def frozen_lm_loss(decoder: nn.Module, memory: Tensor, frames: Tensor, tokens: Tensor,
                   prompt_length: int = 2) -> Tensor:
    """memory (B, T, width) projected features; tokens (B, N) with IGNORE padding, each row starting with a
    prompt of `prompt_length` tokens -> mean cross-entropy of the transcript tokens (and end of text) given
    the features."""
    pad = torch.arange(memory.shape[1], device=memory.device)[None, :] >= frames.to(memory.device)[:, None]
    inputs = tokens[:, :-1].clamp_min(0)                          # padding read as token 0: masked below
    targets = tokens[:, 1:].clone()
    targets[:, : prompt_length - 1] = IGNORE                      # the rest of the prompt is given, not predicted
    logits = decoder(inputs, memory, pad)
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]).float(), targets.reshape(-1), ignore_index=IGNORE)
