"""The README's quickstart works when pasted: its files saved, its shell lines run by bash."""

from __future__ import annotations

import re
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tests.project import ROOT, Project

pytestmark = [pytest.mark.e2e, pytest.mark.sqlite]


def _quickstart_blocks() -> list[tuple[str, str]]:
    readme = (ROOT / "README.md").read_text()
    section = readme[
        readme.index("## Quickstart") : readme.index("\n## ", readme.index("## Quickstart") + 1)
    ]
    return re.findall(r"```(\w+)\n(.*?)```", section, re.DOTALL)


def test_quickstart_pasted_into_a_shell(tmp_path: Path) -> None:
    blocks = _quickstart_blocks()
    files = {
        body.splitlines()[0].removeprefix("# "): body
        for lang, body in blocks
        if lang == "python" and body.startswith("# ")
    }
    assert set(files) >= {"app.py", "models.py"}, files.keys()
    (shell,) = [body for lang, body in blocks if lang == "sh"]
    project = tmp_path / "quick"
    project.mkdir()
    for name, body in files.items():
        (project / name).write_text(body)
    # `flask` on PATH is this interpreter's Flask, as after `pip install` in a virtualenv.
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    shim = bin_dir / "flask"
    shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m flask "$@"\n')
    shim.chmod(shim.stat().st_mode | stat.S_IXUSR)
    env = Project(project, "").env()
    env["PATH"] = f"{bin_dir}:{env['PATH']}"

    proc = subprocess.run(
        ["bash", "-e", "-c", shell],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output
    assert "Detected added table 'user'" in output
    upgrades = re.findall(r"^Running upgrade (\S*) -> (\w+), (.+)$", output, re.MULTILINE)
    assert [message for _, _, message in upgrades] == [
        "Initial revision",
        "User Model",
        "User Model",
    ], output
    downgrades = re.findall(r"^Running downgrade (\w+) -> (\S*), (.+)$", output, re.MULTILINE)
    assert [message for _, _, message in downgrades] == [
        "User Model",
        "User Model",
        "Initial revision",
    ], output
    with sqlite3.connect(project / "instance" / "app.db") as conn:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        rows = conn.execute("SELECT version_num FROM alembic_version").fetchall()
    assert "user" not in tables
    assert rows == []
