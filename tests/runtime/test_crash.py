"""A ``flask db upgrade`` killed mid-run (``kill -9``): what each database keeps.

PostgreSQL and MariaDB commit each migration as it completes, so the migrations the run had
completed stay and only the interrupted one is gone. On SQLite the run is one write
transaction (that is its migration lock), committed when the run ends, so a crash undoes
every migration of the run. The documentation says so; this checks it.
"""

from __future__ import annotations

import signal
from pathlib import Path

import pytest
import sqlalchemy as sa

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

pytestmark = pytest.mark.e2e

R1, R2, R3 = "9e1f2a3b4c01", "9e1f2a3b4c02", "9e1f2a3b4c03"


def _tables(url: str) -> list[str]:
    with connect(url) as connection:
        return sorted(sa.inspect(connection).get_table_names())


def test_killed_mid_run(tmp_path: Path, database_url: str) -> None:
    signals = tmp_path / "signals"
    signals.mkdir()
    migrations = make_folder(tmp_path / "proj")
    for number, (rev, down) in enumerate([(R1, None), (R2, R1), (R3, R2)], start=1):
        body = f'op.create_table("t{number}", sa.Column("id", sa.Integer(), primary_key=True))'
        if rev == R3:
            body = pause(signals) + body
        write_revision(migrations, rev, down, body, f'op.drop_table("t{number}")')
    project = write_app(tmp_path / "proj", database_url)
    with app(database_url, project.migrations) as migrate:
        migrate.upgrade(R1)

    process = popen_flask(project, "db", "upgrade")
    try:
        # The run has completed R2 and is inside R3 when it is killed.
        wait_until(lambda: (signals / "reached").exists(), "the third migration", process)
        process.send_signal(signal.SIGKILL)
        process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=60)
    assert process.returncode == -signal.SIGKILL

    if dialect_of(database_url) == "sqlite":
        # The whole run is undone, R2 included, when SQLite next opens the file.
        assert version_rows(database_url) == [R1]
        assert _tables(database_url) == ["alembic_version", "t1"]
    else:
        assert version_rows(database_url) == [R2]
        assert _tables(database_url) == ["alembic_version", "t1", "t2"]
    # Nothing is left locked: the next run completes (the server lets a dead session's lock
    # go once it notices; the run waits for that).
    (signals / "go").touch()
    with app(database_url, project.migrations) as migrate:
        migrate.upgrade()
    assert version_rows(database_url) == [R3]
    assert _tables(database_url) == ["alembic_version", "t1", "t2", "t3"]
