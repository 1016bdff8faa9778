"""Spoken-digit probe data: isolated English digits (keyword spotting) and connected digit strings (a CTC
probe), from many speakers. The corpus has one real English digit speaker (the asterisk prompts), so the
other speakers are espeak-ng voices: 7 English accents x 12 voice variants = 84 synthetic speakers, each
saying every digit and a few random digit strings. Speakers are what a split holds out.

Language ID without a channel to recognise: the same numbers read in each corpus language by the same 12
espeak-ng voice variants (one synthesizer, one voice per variant across languages), so only the language
tells the classes apart, and a split that holds out variants holds out voices in every language at once.

Synthesized once into a cache folder (espeak-ng from Debian: `apt-get install espeak-ng`); every file is
written to a temp name and renamed, so an interrupted run leaves no half file.
"""
from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

ACCENTS = ("en-us", "en-gb", "en-gb-scotland", "en-gb-x-rp", "en-gb-x-gbclan", "en-gb-x-gbcwmd", "en-029")
VARIANTS = ("m1", "m2", "m3", "m4", "m5", "m6", "m7", "f1", "f2", "f3", "f4", "f5")
DIGITS = "0123456789"
REAL_SPEAKER = "asterisk-en-Allison"
# the corpus's speech languages, as espeak-ng voices
LANGUAGE_VOICES = {"cs": "cs", "en": "en-us", "es": "es", "fr": "fr-fr", "it": "it", "nl": "nl", "ru": "ru",
                   "zh": "cmn"}


@dataclass(frozen=True)
class DigitClip:
    path: str
    digits: str          # what is said: one digit (keyword spotting) or a string (CTC), or a number
    speaker: str
    lang: str = "en"


def espeak_available() -> bool:
    return shutil.which("espeak-ng") is not None


def _synthesize(text: str, voice: str, speed: int, path: Path) -> None:
    if path.exists():
        return
    tmp = path.with_name(f".{path.name}.tmp")
    subprocess.run(["espeak-ng", "-v", voice, "-s", str(speed), "-w", str(tmp), text], check=True,
                   capture_output=True, timeout=60)
    os.replace(tmp, path)


def _voices() -> list[tuple[str, str]]:
    return [(f"{accent}+{variant}", f"espeak-{accent}-{variant}") for accent in ACCENTS for variant in VARIANTS]


def isolated_digits(cache: str | Path, corpus: str | None = None) -> list[DigitClip]:
    """Every digit by every synthetic speaker (speed varied per speaker), plus the corpus's real English
    digit prompts when `corpus` has them."""
    cache = Path(cache) / "isolated"
    cache.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    clips = []
    for voice, speaker in _voices():
        speed = int(rng.integers(140, 200))
        for d in DIGITS:
            path = cache / f"{speaker}_{d}.wav"
            _synthesize(d, voice, speed, path)
            clips.append(DigitClip(str(path), d, speaker))
    if corpus is not None:
        clips += real_english_digits(corpus)
    return clips


def real_english_digits(corpus: str) -> list[DigitClip]:
    from f3edge.data import load_clips
    out = []
    for c in load_clips(corpus):
        p = Path(c.path)
        if c.package == "asterisk-core-sounds-en-g722" and p.parent.name == "digits" and p.stem in tuple(DIGITS):
            out.append(DigitClip(c.path, p.stem, REAL_SPEAKER))
    return sorted(out, key=lambda c: c.digits)


def digit_strings(cache: str | Path, per_speaker: int = 6, seed: int = 0) -> list[DigitClip]:
    """Random strings of 3-6 digits, `per_speaker` per synthetic speaker (the same seed gives the same set)."""
    cache = Path(cache) / "strings"
    cache.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    clips = []
    for voice, speaker in _voices():
        speed = int(rng.integers(140, 200))
        for i in range(per_speaker):
            digits = "".join(rng.choice(list(DIGITS), size=int(rng.integers(3, 7))))
            path = cache / f"{speaker}_{i}_{digits}.wav"
            _synthesize(" ".join(digits), voice, speed, path)
            clips.append(DigitClip(str(path), digits, speaker))
    return clips


def numbers_in_languages(cache: str | Path, per_voice: int = 10, seed: int = 0) -> list[DigitClip]:
    """`per_voice` random numbers (0-9999) read by each of the 12 voice variants in each language; the
    same numbers and speeds in every language, so text and speaking rate do not differ between classes.
    The speaker is the variant (`espeak-m1`), the same voice across languages."""
    cache = Path(cache) / "languages"
    cache.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    plan = [(variant, int(rng.integers(140, 200)), [str(n) for n in rng.integers(0, 10000, size=per_voice)])
            for variant in VARIANTS]
    clips = []
    for lang, voice in sorted(LANGUAGE_VOICES.items()):
        for variant, speed, numbers in plan:
            for i, number in enumerate(numbers):
                path = cache / f"{lang}_{variant}_{i}_{number}.wav"
                _synthesize(number, f"{voice}+{variant}", speed, path)
                clips.append(DigitClip(str(path), number, f"espeak-{variant}", lang))
    return clips


def with_babble(clips: list[DigitClip], cache: str | Path, corpus: str, snr_db=(-5.0, 5.0),
                seed: int = 0) -> list[DigitClip]:
    """The same clips mixed with babble: real non-English speech from the corpus (Czech and Dutch game
    dialogue) at a random SNR in `snr_db`, so the task is not solved by a clean synthetic voice's spectrum
    alone. Deterministic for a seed; mixed files are cached like the clean ones."""
    import soundfile as sf
    from f3edge.audio import read_audio
    from f3edge.data import load_clips
    cache = Path(cache) / f"babble_{snr_db[0]:g}_{snr_db[1]:g}dB_{seed}"   # one folder per mixing recipe
    cache.mkdir(parents=True, exist_ok=True)
    noise = sorted(c.path for c in load_clips(corpus)
                   if c.package in ("fillets-ng-data-cs", "fillets-ng-data-nl") and c.seconds >= 2.0)
    if not noise:
        raise FileNotFoundError(f"{corpus}: no fillets-ng speech to make babble from")
    rng = np.random.default_rng(seed)
    out = []
    for c in clips:
        path = cache / f"{c.speaker}_{Path(c.path).stem}.wav"   # stems carry the language where there is one
        picks, snr = rng.choice(len(noise), size=2, replace=False), rng.uniform(*snr_db)
        if not path.exists():
            x = read_audio(c.path, 16000)
            b = sum(np.resize(read_audio(noise[i], 16000), len(x)) for i in picks)
            b *= np.sqrt(np.mean(x ** 2) / max(np.mean(b ** 2), 1e-12)) * 10 ** (-snr / 20)
            y = x + b
            y *= min(1.0, 0.99 / max(np.abs(y).max(), 1e-9))
            tmp = path.with_name(f".{path.name}.tmp")
            sf.write(tmp, y.astype(np.float32), 16000, format="WAV", subtype="FLOAT")
            os.replace(tmp, path)
        out.append(replace(c, path=str(path)))
    return out
