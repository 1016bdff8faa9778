"""The Kotlin core (android_demo/core) and the Swift core (ios_demo/F3EdgeCore) compiled and tested here,
replaying the golden traces; the Swift package also runs the core over the real ONNX Runtime (C API) where
Debian's libonnxruntime-dev is installed (the Swift toolchain's chroot installs it). `.ci/mobile-toolchains` installs the compilers; without them these tests skip,
unless F3EDGE_REQUIRE_MOBILE_TOOLCHAINS=1 (CI sets it) turns a missing toolchain into a failure."""
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
REQUIRED = os.environ.get("F3EDGE_REQUIRE_MOBILE_TOOLCHAINS") == "1"


def _missing(why: str):
    if REQUIRED:
        pytest.fail(why)
    pytest.skip(why)


def test_kotlin_core_passes_its_junit_tests():
    core = REPO / "android_demo" / "core"
    if not (core / "node_modules" / "kotlin-compiler" / "bin" / "kotlinc").exists() or shutil.which("java") is None:
        _missing("no kotlinc/JDK: run .ci/mobile-toolchains")
    p = subprocess.run([str(core / "run-tests")], capture_output=True, text=True, timeout=900)
    assert p.returncode == 0 and "OK (" in p.stdout, (p.stdout + p.stderr)[-3000:]


def test_swift_core_passes_swift_test():
    tool = REPO / ".ci" / "swift-toolchain"
    if subprocess.run([str(tool), "available"], capture_output=True).returncode != 0:
        _missing("no Swift 6 toolchain: run .ci/mobile-toolchains")
    p = subprocess.run([str(tool), "run", str(REPO), "ios_demo/F3EdgeCore", "swift", "test"], capture_output=True,
                       text=True, timeout=1200)
    out = "\n".join(line for line in (p.stdout + p.stderr).splitlines() if not line.startswith("Schema error"))
    assert p.returncode == 0 and not re.search(r"with [1-9]\d* failures?", out), out[-3000:]
    for suite in ("GoldenTraceTests", "ManifestTests", "ManifestCasesTests") + (("OnnxRuntimeStreamingTests",) if REQUIRED else ()):
        assert f"Test Suite '{suite}' passed" in out, f"{suite} did not run: {out[-2000:]}"
