"""Targets with ``-j N`` on a machine that can fork: the workers are spread over processes.

Ctrl-C at a terminal reaches every process of the command's group; only the command acts on
it: each worker finishes the migration it is in, no target starts, and the next run goes on.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from flask_migrate_lite.commands.fleet_processes import fork_available
from tests.builder import WAIT, Project
from tests.databases import connect
from tests.e2e.test_targets import TENANTS

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not fork_available(), reason="processes cannot be forked here"),
]


def _project(path: Path, urls: list[str], slow: str) -> Project:
    project = Project.create(
        path, f"sqlite:///{path.parent / 'app.db'}", config={"MIGRATE_TARGETS": "tenants:targets"}
    )
    (path / "tenants.py").write_text(TENANTS)
    (path / "targets.json").write_text(json.dumps(dict(zip("abcd", urls, strict=True))))
    project.make_folder()
    project.write_revision(
        "0001",
        None,
        "op.create_table('item', sa.Column('id', sa.Integer, primary_key=True))",
        "op.drop_table('item')",
    )
    project.write_revision("0002", "0001", slow, "op.drop_table('slow')")
    project.write_revision(
        "0003",
        "0002",
        "op.create_table('extra', sa.Column('id', sa.Integer, primary_key=True))",
        "op.drop_table('extra')",
    )
    return project


def _place(url: str) -> tuple[list[str] | None, set[str]]:
    with connect(url) as connection:
        tables = set(sa.inspect(connection).get_table_names())
        rows = None
        if "alembic_version" in tables:
            rows = sorted(connection.scalars(sa.text("SELECT version_num FROM alembic_version")))
    return rows, tables - {"alembic_version", "alembic_version_log"}


def _table(text: str) -> list[list[str]]:
    return [line.split() for line in re.sub(r"\d+\.\d\ds", "T", text).splitlines()]


@pytest.mark.timed
@pytest.mark.sqlite
def test_ctrl_c_at_a_terminal_stops_every_worker_process_after_its_migration(
    tmp_path: Path,
) -> None:
    urls = [f"sqlite:///{tmp_path / name}.db" for name in "abcd"]
    marks = tmp_path / "marks"
    marks.mkdir()
    # Each run of 0002 leaves a mark (named by its process) and takes two seconds.
    slow = (
        "import os, pathlib, time\n"
        "if not op.get_context().as_sql:\n"
        f"    (pathlib.Path({str(marks)!r}) / str(os.getpid())).touch()\n"
        "    time.sleep(2)\n"
        "op.create_table('slow', sa.Column('id', sa.Integer, primary_key=True))"
    )
    project = _project(tmp_path / "proj", urls, slow)
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "flask",
            "--app",
            "app",
            "db",
            "upgrade",
            "--all-targets",
            "-j",
            "2",
        ],
        cwd=project.path,
        env=project.env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group, as a terminal's foreground job
    )
    deadline = time.monotonic() + WAIT
    while len(list(marks.iterdir())) < 2:
        assert process.poll() is None and time.monotonic() < deadline
        time.sleep(0.02)
    os.killpg(process.pid, signal.SIGINT)  # what Ctrl-C at the terminal does
    out, err = process.communicate(timeout=WAIT)
    assert process.returncode == 130, err
    table = _table(out)
    assert table[0] == ["target", "from", "to", "time", "result"]
    assert sorted(table[1:]) == [
        ["a", "base", "0002", "T", "stopped"],
        ["b", "base", "0002", "T", "stopped"],
        ["c", "-", "-", "-", "not", "started"],
        ["d", "-", "-", "-", "not", "started"],
    ]
    assert "Traceback" not in err and "KeyboardInterrupt" not in err
    assert err.splitlines()[-1] == (
        "Interrupted: 4 of 4 targets not upgraded to the end; run the command again to go on "
        "from where each stands."
    )
    assert len({path.name for path in marks.iterdir()}) == 2  # two worker processes
    assert str(process.pid) not in {path.name for path in marks.iterdir()}
    assert [_place(url) for url in urls] == [
        (["0002"], {"item", "slow"}),
        (["0002"], {"item", "slow"}),
        (None, set()),
        (None, set()),
    ]
    again = project.run("db", "upgrade", "--all-targets", "-j", "2")
    assert sorted(row[:3] for row in _table(again.stdout)[1:]) == [
        ["a", "0002", "0003"],
        ["b", "0002", "0003"],
        ["c", "base", "0003"],
        ["d", "base", "0003"],
    ]
    assert [_place(url)[0] for url in urls] == [["0003"]] * 4


@pytest.mark.sqlite
def test_downgrade_and_stamp_spread_over_processes(tmp_path: Path) -> None:
    urls = [f"sqlite:///{tmp_path / name}.db" for name in "abcd"]
    plain = "op.create_table('slow', sa.Column('id', sa.Integer, primary_key=True))"
    project = _project(tmp_path / "proj", urls, plain)
    project.run("db", "upgrade", "--all-targets", "-j", "2")
    assert [_place(url) for url in urls] == [(["0003"], {"item", "slow", "extra"})] * 4
    down = project.run("db", "downgrade", "--all-targets", "-j", "2", "0001")
    assert sorted(row[:3] + row[4:] for row in _table(down.stdout)[1:]) == [
        [name, "0003", "0001", "ok"] for name in "abcd"
    ]
    assert [_place(url) for url in urls] == [(["0001"], {"item"})] * 4
    stamped = project.run("db", "stamp", "--targets", "[ab]", "-j", "2", "0002")
    assert sorted(row[:3] + row[4:] for row in _table(stamped.stdout)[1:]) == [
        ["a", "0001", "0002", "ok"],
        ["b", "0001", "0002", "ok"],
    ]
    assert [_place(url)[0] for url in urls] == [["0002"], ["0002"], ["0001"], ["0001"]]
    current = project.run("db", "current", "--all-targets")
    assert current.stdout.splitlines() == [
        "a: 0002",
        "b: 0002",
        "c: 0001",
        "d: 0001",
    ]
