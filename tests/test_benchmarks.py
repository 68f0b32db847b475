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


def test_plugin_benchmark_stays_within_three_times_a_plain_run(tmp_path: Path) -> None:
    # The pytest plugin's up-down-up test over 200 revisions against a plain upgrade and
    # downgrade base of the same history, on SQLite (docs/pytest.rst has the numbers).
    out = tmp_path / "plugin.json"
    proc = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "plugin.py"), "--runs", "1", "--json", str(out)],
        capture_output=True,
        text=True,
        timeout=1800,
        cwd=ROOT,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    (row,) = json.loads(out.read_text())
    assert row["database"] == "sqlite"
    assert row["ratio"] <= 3, row


def _targets_benchmark(*where: str) -> tuple[str, list[str]]:
    """A tiny run of benchmarks/targets.py: its output and the labels of its table's rows."""
    proc = subprocess.run(
        [
            sys.executable,
            str(ROOT / "benchmarks" / "targets.py"),
            *where,
            "--schemas",
            "3",
            "--revisions",
            "2",
            "--loop-sample",
            "1",
            "--jobs",
            "1,2",
        ],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    table = [line for line in proc.stdout.splitlines() if line.startswith("| ")]
    return proc.stdout + proc.stderr, [line.split(" | ")[0] for line in table[2:]]


@pytest.mark.postgresql
def test_targets_benchmark_quick_run(postgresql_url: str) -> None:
    # Its own database on the same server; a handful of schemas and revisions.
    output, rows = _targets_benchmark("--url", postgresql_url)
    assert rows == ["| loop", "| -j 1", "| -j 2"]
    assert "3 PostgreSQL schemas x 2 revisions" in output
    runs = json.loads(output.strip().splitlines()[-1])
    assert [run["run"] for run in runs] == ["loop", "-j 1", "-j 2"]
    assert all(run["seconds"] > 0 and run["peak_kib"] > 0 for run in runs)
    assert all(run["command_cpu_per_target"] > 0 for run in runs)


@pytest.mark.sqlite
def test_targets_benchmark_quick_run_on_sqlite_files() -> None:
    output, rows = _targets_benchmark("--sqlite", "--threads")
    assert rows == ["| loop", "| -j 1", "| -j 2", "| -j 2 (threads)"]
    assert "3 SQLite files x 2 revisions" in output
    assert "Server CPU" not in output
