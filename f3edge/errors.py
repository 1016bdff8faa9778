"""Exceptions the CLI turns into one line on stderr and exit status 2 (bad input)."""


class F3EdgeInputError(Exception):
    """Something wrong with what the user gave us (file, latents, model path, manifest)."""


class AudioFileMissing(F3EdgeInputError):
    pass


class AudioDecodeError(F3EdgeInputError):
    """Unreadable, corrupt, truncated or unsupported audio file."""


class AudioTooShort(F3EdgeInputError):
    pass


class AudioNotFinite(F3EdgeInputError):
    """NaN or infinite samples."""


class LatentFileError(F3EdgeInputError):
    """Latents that are malformed or were made by another model."""


class CheckpointError(F3EdgeInputError):
    """Missing, corrupted or mismatched model checkpoint."""


class TrainingConfigError(F3EdgeInputError, ValueError):
    """A training run configured with something that cannot work (unknown model, submodule, teacher)."""


class RunStateError(F3EdgeInputError):
    """A training run's saved state that is missing, truncated, tampered with or inconsistent."""


class TrainingDataError(F3EdgeInputError):
    """Training data that cannot be used (missing or empty folder, no readable clips)."""


class TrainingDiverged(F3EdgeInputError):
    """The loss turned non-finite; the last good checkpoint is kept."""


class AudioTooLong(F3EdgeInputError):
    """Longer than the per-call limit (F3EDGE_MAX_SECONDS)."""
