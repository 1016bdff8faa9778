"""The benchmark harness end to end in smoke mode (no timing assertions: only that it measures)."""
import json
import subprocess
import sys

import pytest

from conftest import REPO, SHARED


@pytest.mark.skipif(not (SHARED / "peers" / "lyra").is_dir(), reason="needs ../shared/peers/lyra")
def test_smoke_run_writes_results_with_f3edge_and_peers(tmp_path):
    p = subprocess.run([sys.executable, "-m", "benchmarks.run", "--smoke", "--out", str(tmp_path)],
                       capture_output=True, text=True, cwd=REPO, timeout=600)
    assert p.returncode == 0, p.stderr[-3000:]
    results = json.loads((tmp_path / "results.json").read_text())
    names = [c["name"] for c in results["configs"]]
    assert any(n.endswith("/onnx-int8") for n in names) and "lyra-v2-continuous" in names and "opus-6kbps" in names
    for c in results["configs"]:
        assert "error" not in c, c
        assert 0.0 < c["quality"]["stoi"] <= 1.0
    assert (tmp_path / "results.md").read_text().count("|") > 20
    assert (tmp_path / "quality_vs_bytes.png").stat().st_size > 1000
