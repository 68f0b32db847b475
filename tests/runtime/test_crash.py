"""A ``flask db upgrade`` killed mid-run: what each database keeps.

PostgreSQL and MariaDB commit each migration as it completes, so the migrations the run had
completed stay and only the interrupted one is gone. On SQLite the run is one write
transaction (that is its migration lock), committed when the run ends, so a process killed
(``SIGKILL``, or ``SIGTERM``, which Python does not catch) undoes every migration of the run.
Ctrl-C (``SIGINT``) is an exception in Python: the run rolls back the migration under way
and keeps the completed ones, on SQLite too. The documentation says so; this checks it.
"""

from __future__ import annotations

import signal
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.databases import APPLIED_LOG
from tests.project import HANG
from tests.runtime._faults import pause, wait_until
from tests.runtime._support import (
    app,
    connect,
    dialect_of,
    make_folder,
    popen_flask,
    version_rows,
    write_app,
    write_revision,
)

pytestmark = [pytest.mark.e2e, pytest.mark.timed]

R1, R2, R3 = "9e1f2a3b4c01", "9e1f2a3b4c02", "9e1f2a3b4c03"


def _tables(url: str) -> list[str]:
    with connect(url) as connection:
        return sorted(set(sa.inspect(connection).get_table_names()) - {APPLIED_LOG})


def _interrupted_run(
    tmp_path: Path, url: str, sent: signal.Signals
) -> tuple[list[str] | None, list[str]]:
    """Apply R1, then send ``sent`` to an upgrade that has completed R2 and is inside R3;
    afterwards check the database is usable: the next run completes."""
    signals = tmp_path / "signals"
    signals.mkdir()
    migrations = make_folder(tmp_path / "proj")
    for number, (rev, down) in enumerate([(R1, None), (R2, R1), (R3, R2)], start=1):
        body = f'op.create_table("t{number}", sa.Column("id", sa.Integer(), primary_key=True))'
        if rev == R3:
            body = pause(signals) + body
        write_revision(migrations, rev, down, body, f'op.drop_table("t{number}")')
    project = write_app(tmp_path / "proj", url)
    with app(url, project.migrations) as migrate:
        migrate.upgrade(R1)

    process = popen_flask(project, "db", "upgrade")
    try:
        wait_until(lambda: (signals / "reached").exists(), "the third migration", process)
        process.send_signal(sent)
        _out, stderr = process.communicate(timeout=HANG)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=HANG)
    if sent == signal.SIGINT:
        assert process.returncode == 1, stderr
        assert "Traceback" not in stderr
    else:
        assert process.returncode == -sent
    state = (version_rows(url), _tables(url))
    # Nothing is left locked: the next run completes (a server lets a dead session's lock
    # go once it notices; the run waits for that).
    (signals / "go").touch()
    with app(url, project.migrations) as migrate:
        migrate.upgrade()
    assert version_rows(url) == [R3]
    assert _tables(url) == ["alembic_version", "t1", "t2", "t3"]
    return state


def test_killed_mid_run(tmp_path: Path, database_url: str) -> None:
    rows, tables = _interrupted_run(tmp_path, database_url, signal.SIGKILL)
    if dialect_of(database_url) == "sqlite":
        # The whole run is undone, R2 included, when SQLite next opens the file.
        assert (rows, tables) == ([R1], ["alembic_version", "t1"])
    else:
        assert (rows, tables) == ([R2], ["alembic_version", "t1", "t2"])


@pytest.mark.sqlite
@pytest.mark.parametrize("sent", [signal.SIGTERM, signal.SIGINT], ids=["TERM", "INT"])
def test_sqlite_terminated_or_interrupted(
    tmp_path: Path, sqlite_url: str, sent: signal.Signals
) -> None:
    rows, tables = _interrupted_run(tmp_path, sqlite_url, sent)
    if sent == signal.SIGTERM:
        # Python does not catch SIGTERM: as killed.
        assert (rows, tables) == ([R1], ["alembic_version", "t1"])
    else:
        # Ctrl-C raises in Python: the run keeps what it completed.
        assert (rows, tables) == ([R2], ["alembic_version", "t1", "t2"])
