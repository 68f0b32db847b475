"""SQLite refusing a run: a reader holding its lock at COMMIT, a read-only file or folder, the
database's folder moved away mid-run. Each ends in one sentence and leaves the database as it
was, which the tests check.

A run holds SQLite's write lock from ``BEGIN IMMEDIATE``, but a connection that is reading
keeps its shared lock, and ``COMMIT`` needs every reader gone. SQLite has no connection to
lose; what comes closest is the file becoming unreachable: its folder moved (SQLite keeps the
file open, but cannot create its journal next to it any more). A file deleted mid-run is no
such case: the run completes on the open file, which nothing can see afterwards, and no
error can tell.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import stat
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.project import HANG, Project
from tests.runtime._faults import pause, wait_until
from tests.runtime._support import (
    app,
    error_lines,
    make_folder,
    popen_flask,
    snapshot,
    version_rows,
    write_app,
    write_revision,
)

pytestmark = [pytest.mark.sqlite, pytest.mark.e2e]

R1, R2, R3 = "5a1b2c3d4e01", "5a1b2c3d4e02", "5a1b2c3d4e03"
LOCKED_FIX = (
    "end that connection's transaction (a program or shell that holds the database open), or "
    "raise MIGRATE_LOCK_TIMEOUT, then run"
)
READ_ONLY = "attempt to write a readonly database"


def _project(path: Path, url: str, *, pause_in: Path | None = None) -> Project:
    """Three revisions creating t1, t2, t3; with ``pause_in`` the second first waits there."""
    migrations = make_folder(path)
    for number, (rev, down) in enumerate([(R1, None), (R2, R1), (R3, R2)], start=1):
        body = f'op.create_table("t{number}", sa.Column("id", sa.Integer(), primary_key=True))'
        if pause_in is not None and rev == R2:
            body = pause(pause_in) + body
        write_revision(
            migrations,
            rev,
            down,
            body,
            f'op.drop_table("t{number}")',
            message=["one", "two", "three"][number - 1],
        )
    return write_app(path, url, config={"MIGRATE_LOCK_TIMEOUT": 1})


def _path(url: str) -> Path:
    database = sa.make_url(url).database
    assert database
    return Path(database)


def _one_error(stderr: str) -> str:
    assert "Traceback" not in stderr, stderr
    lines = error_lines(stderr)
    assert len(lines) == 1, stderr
    return lines[0]


@contextmanager
def _reading(url: str) -> Iterator[None]:
    """Another connection in a read transaction: it holds SQLite's shared lock."""
    reader = sqlite3.connect(_path(url), isolation_level=None)
    try:
        reader.execute("BEGIN")
        reader.execute("SELECT count(*) FROM sqlite_master").fetchall()
        yield
        reader.execute("ROLLBACK")
    finally:
        reader.close()


@pytest.mark.parametrize("per_migration", [True, False], ids=["per-migration", "one-transaction"])
def test_reader_at_commit(tmp_path: Path, sqlite_url: str, per_migration: bool) -> None:
    project = _project(tmp_path / "proj", sqlite_url)
    options = {} if per_migration else {"transaction_per_migration": False}
    config = {"MIGRATE_LOCK_TIMEOUT": 1}
    with app(sqlite_url, project.migrations, config=config, **options) as migrate:
        migrate.upgrade(R1)
        before = snapshot(sqlite_url)
        with _reading(sqlite_url):
            result = migrate.cli("upgrade", code=1)
            # Given up at once: the write lock is free while the reader still reads.
            writer = sqlite3.connect(_path(sqlite_url), timeout=0, isolation_level=None)
            try:
                writer.execute("BEGIN IMMEDIATE")
                writer.execute("ROLLBACK")
            finally:
                writer.close()
    assert f"Running upgrade {R2} -> {R3}, three" in result.stderr
    assert _one_error(result.stderr) == (
        f"Error: Could not write to the SQLite database {sqlite_url} while committing the "
        "migrations of this run because another connection kept reading it for more than 1 "
        "second (database is locked); the run was rolled back, undoing the 2 migrations it had "
        f"completed, and the version table shows {R1}; {LOCKED_FIX} 'flask db upgrade' again."
    )
    assert snapshot(sqlite_url) == before
    with app(sqlite_url, project.migrations) as migrate:
        migrate.upgrade()
    assert version_rows(sqlite_url) == [R3]


def test_reader_at_commit_of_stamp(tmp_path: Path, sqlite_url: str) -> None:
    project = _project(tmp_path / "proj", sqlite_url)
    with app(sqlite_url, project.migrations, config={"MIGRATE_LOCK_TIMEOUT": 1}) as migrate:
        migrate.upgrade(R1)
        before = snapshot(sqlite_url)
        with _reading(sqlite_url):
            result = migrate.cli("stamp", R3, code=1)
    assert _one_error(result.stderr) == (
        f"Error: Could not write to the SQLite database {sqlite_url} while committing the "
        "version table change because another connection kept reading it for more than 1 "
        "second (database is locked); the version table change was rolled back, and the "
        f"version table shows {R1}; {LOCKED_FIX} 'flask db stamp' again."
    )
    assert snapshot(sqlite_url) == before


def _unprivileged() -> list[str]:
    """A command prefix under which file permissions apply (root would ignore them)."""
    if os.geteuid() != 0:
        return []
    if shutil.which("setpriv") is None:
        pytest.skip("running as root without setpriv: read-only files cannot be made")
    return ["setpriv", "--bounding-set", "-dac_override,-dac_read_search,-fowner", "--"]


def _flask(project: Project, *args: str) -> subprocess.CompletedProcess[str]:
    command = [*_unprivileged(), sys.executable, "-m", "flask", "--app", "app", *args]
    return subprocess.run(
        command, cwd=project.path, env=project.env(), capture_output=True, text=True, timeout=HANG
    )


@contextmanager
def _read_only(path: Path) -> Iterator[None]:
    mode = stat.S_IMODE(path.stat().st_mode)
    path.chmod(0o555 if path.is_dir() else 0o444)
    try:
        probe = path / "probe" if path.is_dir() else path
        check = [*_unprivileged(), sys.executable, "-c", f"open({str(probe)!r}, 'a').close()"]
        if subprocess.run(check, capture_output=True, check=False).returncode == 0:
            pytest.skip(f"cannot make {path} read-only for this user")
        yield
    finally:
        path.chmod(mode)


@pytest.mark.parametrize(
    ("what", "command", "start"),
    [
        ("folder", ("upgrade",), R1),
        ("folder", ("upgrade",), None),
        ("file", ("upgrade",), R1),
        ("folder", ("stamp", R3), R1),
    ],
    ids=["folder", "folder-new-database", "file", "folder-stamp"],
)
def test_read_only(tmp_path: Path, what: str, command: tuple[str, ...], start: str | None) -> None:
    data = tmp_path / "data"
    data.mkdir()
    url = f"sqlite:///{data / 'app.db'}"
    project = _project(tmp_path / "proj", url)
    if start is None:
        sqlite3.connect(data / "app.db").close()  # an empty database file
    else:
        with app(url, project.migrations) as migrate:
            migrate.upgrade(start)
    before = snapshot(url)

    with _read_only(data if what == "folder" else data / "app.db"):
        done = _flask(project, "db", *command)

    assert done.returncode == 1, done.stderr
    if what == "folder":
        why = f"its folder {data} is read-only, so SQLite cannot create its journal there"
        fix = f"make {data} writable"
    else:
        why = f"the file {data / 'app.db'} is read-only"
        fix = f"make {data / 'app.db'} writable"
    again = f"'flask db {command[0]}'"
    if start is None:
        # SQLite cannot even begin its write transaction on a file it has not written yet.
        doing = "taking the migration lock"
        state = "nothing was changed"
        again = "the command"
    elif command[0] == "stamp":
        doing = "updating the version table"
        state = f"the version table change was rolled back, and the version table shows {R1}"
    else:
        doing = f'running upgrade {R1} -> {R2} "two"'
        state = f"that migration was rolled back, and the version table shows {R1}"
    assert _one_error(done.stderr) == (
        f"Error: Cannot write to the SQLite database {url} while {doing} because {why} "
        f"({READ_ONLY}); {state}; {fix}, then run {again} again."
    )
    assert snapshot(url) == before
    with app(url, project.migrations) as migrate:
        migrate.upgrade()
    assert version_rows(url) == [R3]


@pytest.mark.timed
def test_folder_moved_away_mid_run(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    url = f"sqlite:///{data / 'app.db'}"
    signals = tmp_path / "signals"
    signals.mkdir()
    project = _project(tmp_path / "proj", url, pause_in=signals)
    with app(url, project.migrations) as migrate:
        migrate.upgrade(R1)
    before = snapshot(url)

    process = popen_flask(project, "db", "upgrade")
    try:
        wait_until(lambda: (signals / "reached").exists(), "the paused migration", process)
        data.rename(tmp_path / "elsewhere")
        (signals / "go").touch()
        _out, stderr = process.communicate(timeout=HANG)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=HANG)
        if not data.exists():
            (tmp_path / "elsewhere").rename(data)

    assert process.returncode == 1, stderr
    assert _one_error(stderr) == (
        f"Error: Cannot write to the SQLite database {url} while running upgrade {R1} -> {R2} "
        f'"two" because its folder {data} is gone (moved or deleted), so SQLite cannot create '
        f"its journal there ({READ_ONLY}); that migration was rolled back, and the version "
        f"table shows {R1}; put the database back at {data / 'app.db'}, then run "
        "'flask db upgrade' again."
    )
    assert snapshot(url) == before
    (signals / "reached").unlink()
    with app(url, project.migrations) as migrate:
        migrate.upgrade()
    assert version_rows(url) == [R3]
