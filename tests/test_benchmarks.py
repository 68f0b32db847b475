"""The benchmark runs end to end at a tiny size, so that it does not rot (no timing asserted).

Marked ``timed``: it runs apart from the default run (``pytest --timed``).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

pytestmark = [pytest.mark.e2e, pytest.mark.timed]


def test_benchmark_quick_run(tmp_path: Path) -> None:
    # Flask-Migrate is a test dependency, so this interpreter can play "theirs" too; the real
    # benchmark builds a separate virtualenv for it.
    proc = subprocess.run(
        [
            sys.executable,
            str(ROOT / "benchmarks" / "bench.py"),
            "--quick",
            "--theirs-python",
            sys.executable,
            "--work",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    table = [line for line in proc.stdout.splitlines() if line.startswith("| `")]
    keys = [line.split("`")[1] for line in table]
    for expected in (
        "db-help",
        "heads-linear",
        "history-linear",
        "upgrade",
        "downgrade",
        "check-sqlite-large",
        "migrate",
        "floor-help",
        "floor-ddl",
    ):
        assert expected in keys, proc.stdout
    raw = json.loads((tmp_path / "results.json").read_text())
    failures = {
        (key, tool): result["failed"]
        for key, tools in raw.items()
        for tool, result in tools.items()
        if result["failed"]
    }
    assert failures == {}
