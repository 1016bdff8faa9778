"""Native libraries that write diagnostics straight to file descriptor 2 (or through sys.stderr) (ExecuTorch's cpuinfo probe, torchao's
optional kernels) would print several lines on every run. `captured()` points fd 2 at a temporary file for the
duration of a load, keeps the text for an error message, and restores fd 2 afterwards.

Process-wide while active (fd 2 is shared by all threads): use it only around loading, never around runs."""
from __future__ import annotations

import contextlib
import io
import os
import sys
import tempfile
import threading

_lock = threading.Lock()


class Captured:
    text: str = ""

    def last_line(self, limit: int = 160) -> str:
        lines = [ln.strip() for ln in self.text.splitlines() if ln.strip()]
        return lines[-1][:limit] if lines else ""


@contextlib.contextmanager
def captured():
    out = Captured()
    with _lock, tempfile.TemporaryFile(mode="w+b") as sink:
        sys.stderr.flush()
        saved = os.dup(2)
        os.dup2(sink.fileno(), 2)
        python_stderr, sys.stderr = sys.stderr, io.StringIO()   # pybind11 loggers write to sys.stderr
        try:
            yield out
        finally:
            captured_python, sys.stderr = sys.stderr.getvalue(), python_stderr
            os.dup2(saved, 2)
            os.close(saved)
            sink.seek(0)
            out.text = sink.read().decode("utf-8", "replace") + captured_python
