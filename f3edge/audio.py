"""Audio I/O: read anything soundfile reads, mix to mono, resample with soxr, validate; write atomically."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

import numpy as np
import soundfile as sf
import soxr

from .errors import AudioDecodeError, AudioFileMissing, AudioNotFinite, AudioTooLong, AudioTooShort
from .limits import MAX_ABS_SAMPLE, MAX_SAMPLE_RATE, MIN_SAMPLE_RATE, max_seconds

AUDIO_EXTENSIONS = (".wav", ".flac", ".ogg", ".oga", ".mp3", ".aif", ".aiff", ".au", ".w64", ".caf")


def validate_pcm(x: np.ndarray, min_samples: int = 1, what: str = "audio") -> np.ndarray:
    """Check a mono float signal: finite, at least `min_samples` long."""
    x = np.asarray(x, dtype=np.float32)
    if x.ndim != 1:
        raise AudioDecodeError(f"{what}: expected mono samples, got shape {x.shape}")
    if x.size == 0:
        raise AudioTooShort(f"{what}: contains no samples")
    if not np.isfinite(x).all():
        bad = int((~np.isfinite(x)).sum())
        raise AudioNotFinite(f"{what}: {bad} NaN/inf samples")
    if x.size < min_samples:
        raise AudioTooShort(f"{what}: {x.size} samples is shorter than one frame ({min_samples} samples)")
    peak = float(np.abs(x).max())
    if peak > MAX_ABS_SAMPLE:
        raise AudioNotFinite(f"{what}: sample magnitude {peak:.3g} is out of range for audio (max {MAX_ABS_SAMPLE:g})")
    return x


def check_stream_format(what, sr: int, frames: int) -> None:
    """Sample rate within [MIN, MAX] and duration within the per-call limit, from the header alone."""
    if not MIN_SAMPLE_RATE <= sr <= MAX_SAMPLE_RATE:
        raise AudioDecodeError(f"{what}: sample rate {sr} Hz is outside [{MIN_SAMPLE_RATE}, {MAX_SAMPLE_RATE}]")
    if frames / sr > max_seconds():
        raise AudioTooLong(f"{what}: {frames / sr:.0f} s is longer than the limit of {max_seconds():.0f} s "
                           "(set F3EDGE_MAX_SECONDS to change it)")


def to_mono_resampled(x: np.ndarray, sr: int, target_sr: int) -> np.ndarray:
    if isinstance(sr, float) and sr.is_integer():
        sr = int(sr)
    if not isinstance(sr, (int, np.integer)) or not MIN_SAMPLE_RATE <= sr <= MAX_SAMPLE_RATE:
        raise AudioDecodeError(f"sample rate {sr!r} is outside [{MIN_SAMPLE_RATE}, {MAX_SAMPLE_RATE}] Hz")
    x = np.asarray(x, dtype=np.float32)
    if x.ndim == 2:
        x = x.mean(axis=1)
    if sr != target_sr:
        if not np.isfinite(x).all():
            raise AudioNotFinite("audio has NaN/inf samples")
        x = soxr.resample(x, sr, target_sr).astype(np.float32)
    return x


def check_riff_complete(path: Path) -> None:
    """libsndfile silently reads a truncated WAV as a shorter one; compare the declared data size with
    the bytes actually present."""
    size = path.stat().st_size
    with open(path, "rb") as f:
        head = f.read(12)
        if len(head) < 12 or head[:4] not in (b"RIFF", b"RF64") or head[8:12] != b"WAVE":
            return
        if head[:4] == b"RF64":
            return  # 64-bit sizes live in a ds64 chunk; libsndfile validates those itself
        pos = 12
        while pos + 8 <= size:
            f.seek(pos)
            chunk = f.read(8)
            if len(chunk) < 8:
                break
            cid, clen = chunk[:4], int.from_bytes(chunk[4:8], "little")
            if cid == b"data":
                if clen != 0xFFFFFFFF and pos + 8 + clen > size:
                    have = size - pos - 8
                    raise AudioDecodeError(f"{path}: truncated WAV (header declares {clen} data bytes, "
                                           f"file holds {have})")
                return
            pos += 8 + clen + (clen & 1)


def read_audio(path: str | os.PathLike, target_sr: int, min_samples: int = 1) -> np.ndarray:
    """Whole file -> mono float32 at `target_sr`. Raises a specific F3EdgeInputError on bad input."""
    path = Path(path)
    if not path.exists():
        raise AudioFileMissing(f"{path}: no such file")
    if path.is_dir():
        raise AudioDecodeError(f"{path}: is a directory, not an audio file")
    if path.stat().st_size == 0:
        raise AudioDecodeError(f"{path}: file is empty (0 bytes)")
    info = audio_info(path)
    check_stream_format(path, info.samplerate, info.frames)
    try:
        x, sr = sf.read(str(path), dtype="float32", always_2d=True)
    except (sf.LibsndfileError, RuntimeError, TypeError, ValueError) as e:
        raise AudioDecodeError(f"{path}: cannot decode audio ({_short(e)})") from None
    if not np.isfinite(x).all():
        raise AudioNotFinite(f"{path}: {int((~np.isfinite(x)).sum())} NaN/inf samples")
    return validate_pcm(to_mono_resampled(x, sr, target_sr), min_samples, str(path))


def audio_info(path: str | os.PathLike) -> sf._SoundFileInfo:
    path = Path(path)
    if not path.exists():
        raise AudioFileMissing(f"{path}: no such file")
    if path.is_dir() or path.stat().st_size == 0:
        raise AudioDecodeError(f"{path}: not an audio file (empty or a directory)")
    check_riff_complete(path)
    try:
        return sf.info(str(path))
    except (sf.LibsndfileError, RuntimeError, TypeError, ValueError) as e:
        raise AudioDecodeError(f"{path}: cannot decode audio ({_short(e)})") from None


def iter_audio_blocks(path: str | os.PathLike, target_sr: int, block_seconds: float = 10.0):
    """Yield mono float32 blocks at `target_sr` with bounded memory (for long files).

    Resampling is streamed with soxr's stateful resampler, so block boundaries leave no seams."""
    info = audio_info(path)
    sr = info.samplerate
    check_stream_format(path, sr, info.frames)
    block = max(1, int(block_seconds * sr))
    resampler = soxr.ResampleStream(sr, target_sr, 1, dtype="float32") if sr != target_sr else None
    try:
        with sf.SoundFile(str(path)) as f:
            while True:
                x = f.read(block, dtype="float32", always_2d=True)
                last = len(x) < block
                if len(x):
                    if not np.isfinite(x).all():
                        raise AudioNotFinite(f"{path}: NaN/inf samples")
                    if np.abs(x).max() > MAX_ABS_SAMPLE:
                        raise AudioNotFinite(f"{path}: sample magnitudes out of range for audio")
                    x = x.mean(axis=1)
                    if resampler is not None:
                        x = resampler.resample_chunk(x, last=last)
                    if len(x):
                        yield x.astype(np.float32, copy=False)
                elif resampler is not None:
                    tail = resampler.resample_chunk(np.zeros(0, np.float32), last=True)
                    if len(tail):
                        yield tail
                if last:
                    break
    except (sf.LibsndfileError, RuntimeError) as e:
        raise AudioDecodeError(f"{path}: cannot decode audio ({_short(e)})") from None


def write_audio(path: str | os.PathLike, x: np.ndarray, sr: int, subtype: str = "PCM_16") -> Path:
    """Write atomically: to a temp file in the same folder, then rename over the target."""
    path = Path(path)
    fmt = {".flac": "FLAC", ".ogg": "OGG", ".wav": "WAV"}.get(path.suffix.lower(), "WAV")
    if fmt == "OGG":
        subtype = "VORBIS"
    x = np.clip(np.asarray(x, dtype=np.float32), -1.0, 1.0)
    with atomic_path(path) as tmp:
        sf.write(tmp, x, sr, subtype=subtype, format=fmt)
    return path


class atomic_path:
    """Context manager yielding a temp path beside `path`; renamed onto `path` only on success."""

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)

    def __enter__(self) -> str:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, self.tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=".part", dir=self.path.parent)
        os.close(fd)
        return self.tmp

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            os.chmod(self.tmp, 0o666 & ~_umask())   # mkstemp makes 0600 files; give the usual mode
            os.replace(self.tmp, self.path)
        elif os.path.exists(self.tmp):
            os.unlink(self.tmp)
        return False


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _short(e: Exception) -> str:
    return str(e).strip().splitlines()[0][:160] if str(e).strip() else type(e).__name__
