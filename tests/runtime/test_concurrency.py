"""Many processes migrating one database at once, and a migration lock held by someone else.

Each migration inserts a row into a ``log`` table, so a migration applied twice would show
up there. The lock is taken by hand the way the runtime takes it: a PostgreSQL advisory
lock, a MariaDB ``GET_LOCK`` or an open SQLite write transaction.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa

from flask_migrate_lite.engine.runtime.lock import lock_key, lock_name
from tests.project import HANG, Project
from tests.runtime._support import (
    app,
    connect,
    dialect_of,
    error_lines,
    make_folder,
    popen_flask,
    snapshot,
    start_together,
    version_rows,
    write_app,
    write_revision,
)

pytestmark = pytest.mark.e2e

REVISIONS = ["3c4d5e6f7a01", "3c4d5e6f7a02", "3c4d5e6f7a03"]
PROCESSES = 8

LOG_TABLE = """
op.create_table(
    "log",
    sa.Column("id", sa.Integer(), primary_key=True),
    sa.Column("revision", sa.String(12), nullable=False),
)
"""


def _log(rev_id: str) -> str:
    return f"op.execute(\"INSERT INTO log (revision) VALUES ('{rev_id}')\")"


def _project(path: Path, url: str, **config: object) -> Project:
    migrations = make_folder(path)
    first, second, third = REVISIONS
    # The first migration takes a moment, so that the other processes queue on the lock.
    write_revision(
        migrations,
        first,
        None,
        LOG_TABLE + _log(first) + "\nimport time\ntime.sleep(0.3)",
        'op.drop_table("log")',
        message="log",
    )
    write_revision(
        migrations,
        second,
        first,
        'op.create_table("thing", sa.Column("id", sa.Integer(), primary_key=True))\n'
        + _log(second),
        'op.drop_table("thing")',
        message="thing",
    )
    write_revision(
        migrations,
        third,
        second,
        'op.add_column("thing", sa.Column("name", sa.String(20)))\n' + _log(third),
        'op.drop_column("thing", "name")',
        message="name",
    )
    return write_app(path, url, config=config)


def _logged(url: str) -> list[str]:
    with connect(url) as connection:
        return sorted(connection.scalars(sa.text("SELECT revision FROM log")))


@pytest.mark.timed
def test_many_processes_upgrade_at_once(tmp_path: Path, database_url: str) -> None:
    # The processes queue on the lock one after another: on a busy machine that can take
    # longer than the default minute, which is not what this test is about.
    project = _project(tmp_path / "proj", database_url, MIGRATE_LOCK_TIMEOUT=HANG)
    processes = start_together(project, tmp_path / "barrier", PROCESSES, "db", "upgrade")
    outputs = [process.communicate(timeout=HANG) for process in processes]
    for process, (stdout, stderr) in zip(processes, outputs, strict=True):
        assert process.returncode == 0, stdout + stderr
        assert "Traceback" not in stderr
    # Each migration ran in exactly one process, once.
    assert _logged(database_url) == sorted(REVISIONS)
    assert version_rows(database_url) == [REVISIONS[-1]]
    runs = [stderr.count("Running upgrade") for _stdout, stderr in outputs]
    assert sorted(runs) == [0] * (PROCESSES - 1) + [3]
    nothing = [stderr for _stdout, stderr in outputs if "Nothing to upgrade" in stderr]
    assert len(nothing) == PROCESSES - 1
    assert all(f"the database is at {REVISIONS[-1]}." in stderr for stderr in nothing)


@contextmanager
def _hold_lock(url: str) -> Iterator[None]:
    """Take the migration lock of the database at ``url`` for the block."""
    dialect = dialect_of(url)
    if dialect == "sqlite":
        path = sa.make_url(url).database
        assert path
        holder = sqlite3.connect(path, isolation_level=None)
        try:
            holder.execute("BEGIN IMMEDIATE")
            yield
            holder.execute("ROLLBACK")
        finally:
            holder.close()
        return
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            if dialect == "postgresql":
                key = lock_key("alembic_version", None)
                connection.execute(sa.text("SELECT pg_advisory_lock(:k)"), {"k": key})
                yield
                connection.execute(sa.text("SELECT pg_advisory_unlock(:k)"), {"k": key})
            else:
                database = sa.make_url(url).database
                assert database
                name = lock_name(database, "alembic_version", None)
                got = connection.execute(sa.text("SELECT GET_LOCK(:n, 0)"), {"n": name}).scalar()
                assert got == 1
                yield
                connection.execute(sa.text("SELECT RELEASE_LOCK(:n)"), {"n": name})
    finally:
        engine.dispose()


def test_lock_held_elsewhere(tmp_path: Path, database_url: str) -> None:
    project = _project(tmp_path / "proj", database_url, MIGRATE_LOCK_TIMEOUT=1)
    first, second, _third = REVISIONS
    with app(database_url, project.migrations) as migrate:
        migrate.upgrade(second)
    before = snapshot(database_url)

    commands = [("upgrade",), ("downgrade", first), ("stamp", "head"), ("stamp", "--purge", "base")]
    with _hold_lock(database_url):
        processes = [popen_flask(project, "db", *command) for command in commands]
        outputs = [process.communicate(timeout=HANG) for process in processes]

    for command, process, (stdout, stderr) in zip(commands, processes, outputs, strict=True):
        assert process.returncode == 1, (command, stdout + stderr)
        assert "Traceback" not in stderr
        lines = error_lines(stderr)
        assert len(lines) == 1, (command, stderr)
        assert "MIGRATE_LOCK_TIMEOUT" in lines[0]
        assert lines[0].startswith("Error: Could not take the migration lock on ")
        assert "within 1 second because" in lines[0]
    assert snapshot(database_url) == before
    assert version_rows(database_url) == [second]

    # Once the lock is free the same commands work, and the lock is free again after them.
    with app(database_url, project.migrations, config={"MIGRATE_LOCK_TIMEOUT": 1}) as migrate:
        migrate.upgrade()
        assert _logged(database_url) == sorted(REVISIONS)
        migrate.stamp(first)
        assert version_rows(database_url) == [first]
        migrate.downgrade("base")
    assert version_rows(database_url) == []
