"""Machine facts recorded beside every result."""
from __future__ import annotations

import datetime
import os
import platform
import socket
from importlib import metadata

PACKAGES = ("f3edge", "torch", "numpy", "onnxruntime", "executorch", "ai-edge-litert", "coremltools",
            "litert-torch", "pesq", "pystoi", "faster-whisper", "opuslib-next-bundled")


def cpu_model() -> str:
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine_info(threads: list[int]) -> dict:
    versions = {}
    for p in PACKAGES:
        try:
            versions[p] = metadata.version(p)
        except metadata.PackageNotFoundError:
            versions[p] = None
    return {
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "host": socket.gethostname(), "cpu": cpu_model(), "cores": os.cpu_count(), "threads_tested": threads,
        "load_average_at_start": os.getloadavg(), "platform": platform.platform(),
        "python": platform.python_version(), "packages": versions,
    }


def machine_tag() -> str:
    return f"{platform.machine()}-{os.cpu_count()}c"
