"""A migration waits for a table lock at most ``ddl_lock_timeout``, retries, then names the blocker.

Another session holds a lock on the table (an open transaction that read it). On PostgreSQL
and MariaDB the upgrade times out, retries, and gives up with the blocking session named and
the database unchanged; when the blocker ends its transaction within the retries, the upgrade
succeeds. SQLite has no lock timeout for DDL: the option changes nothing there.

Marked ``timed``: the upgrade waits on the other session under the lock timeout.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import sqlalchemy as sa

from flask_migrate_lite.engine.errors import MigrateError
from tests.builder import app, make_folder, write_revision
from tests.databases import dialect_of, holding, version_rows

pytestmark = pytest.mark.timed

FIRST, SECOND = "ddl10c0000a1", "ddl10c0000a2"


def _folder(tmp_path: Path) -> Path:
    migrations = make_folder(tmp_path / "migrations")
    write_revision(
        migrations,
        FIRST,
        None,
        """
        op.create_table(
            "lockers",
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("name", sa.String(40)),
        )
        op.execute("INSERT INTO lockers (id, name) VALUES (1, 'one')")
        """,
        'op.drop_table("lockers")',
        message="lockers",
    )
    write_revision(
        migrations,
        SECOND,
        FIRST,
        """
        op.add_column("lockers", sa.Column("note", sa.String(20)))
        op.create_index("ix_lockers_name", "lockers", ["name"])
        """,
        """
        op.drop_index("ix_lockers_name", table_name="lockers")
        op.drop_column("lockers", "note")
        """,
        message="note",
    )
    return migrations


def _columns(url: str) -> list[str]:
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        return [c["name"] for c in sa.inspect(engine).get_columns("lockers")]
    finally:
        engine.dispose()


def _session_id(conn: sa.Connection) -> int:
    sql = "SELECT pg_backend_pid()" if dialect_of(str(conn.engine.url)) == "postgresql" else None
    return int(conn.exec_driver_sql(sql or "SELECT CONNECTION_ID()").scalar() or 0)


@pytest.fixture(
    params=[
        pytest.param("postgresql", marks=pytest.mark.postgresql),
        pytest.param("mysql", marks=pytest.mark.mysql),
    ]
)
def server_url(request: pytest.FixtureRequest) -> str:
    return str(request.getfixturevalue(f"{request.param}_url"))


def test_a_blocker_that_stays_is_named_and_nothing_changes(server_url: str, tmp_path: Path) -> None:
    migrations = _folder(tmp_path)
    with app(server_url, migrations, ddl_lock_timeout=300, ddl_lock_retries=1) as made:
        made.upgrade(FIRST)
        blocker_engine = sa.create_engine(server_url, poolclass=sa.pool.NullPool)
        try:
            with blocker_engine.connect() as blocker:
                # Its session id first: the message names the last statement, the lock's.
                session = _session_id(blocker)
                blocker.exec_driver_sql("SELECT name FROM lockers WHERE id = 1").all()
                with pytest.raises(MigrateError) as caught:
                    made.upgrade()
                blocker.rollback()
        finally:
            blocker_engine.dispose()
    message = str(caught.value)
    if dialect_of(server_url) == "postgresql":
        assert (
            f"The upgrade of revision {SECOND} failed: PostgreSQL gave up waiting for a lock"
            " on a table after 2 attempts of 300 ms each: " in message
        )
        assert re.search(
            rf"session {session} \(user \w+\) holds it, 'idle in transaction' for \d+ s, "
            "its last statement: SELECT name FROM lockers WHERE id = 1; ",
            message,
        ), message
        assert message.endswith(f"it was rolled back and the database is at {FIRST}.")
    else:
        # lock_wait_timeout takes whole seconds: 300 ms becomes 1 s.
        assert (
            f"The upgrade of revision {SECOND} failed: MariaDB gave up waiting for a lock"
            " on a table after 2 attempts of 1 s each: " in message
        )
        assert re.search(
            rf"session {session} \(\w+@[^)]+\) holds it, idle in a transaction for \d+ s, "
            "running no statement; ",
            message,
        ), message
    assert (
        "; end that transaction (or wait for it to finish), then run 'flask db upgrade' "
        "again, or raise MIGRATE_DDL_LOCK_TIMEOUT; " in message
    )
    assert version_rows(server_url) == [FIRST]
    assert _columns(server_url) == ["id", "name"]


def test_a_blocker_that_ends_within_the_retries_lets_the_upgrade_through(
    server_url: str, tmp_path: Path
) -> None:
    migrations = _folder(tmp_path)
    with app(server_url, migrations, ddl_lock_timeout=200, ddl_lock_retries=3) as made:
        made.upgrade(FIRST)
        # Ends its transaction during the first pause between attempts.
        with holding(server_url, "SELECT name FROM lockers WHERE id = 1", release_after=0.6):
            made.upgrade()
    assert version_rows(server_url) == [SECOND]
    assert _columns(server_url) == ["id", "name", "note"]


def test_the_cli_says_it_in_one_sentence(postgresql_url: str, tmp_path: Path) -> None:
    migrations = _folder(tmp_path)
    config = {"MIGRATE_DDL_LOCK_TIMEOUT": 150}
    with app(postgresql_url, migrations, config=config, ddl_lock_retries=0) as made:
        made.upgrade(FIRST)
        blocker_engine = sa.create_engine(postgresql_url, poolclass=sa.pool.NullPool)
        try:
            with blocker_engine.connect() as blocker:
                session = _session_id(blocker)
                blocker.exec_driver_sql("SELECT name FROM lockers WHERE id = 1").all()
                result = made.cli("upgrade", code=1)
                blocker.rollback()
        finally:
            blocker_engine.dispose()
    lines = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert len(lines) == 1, result.stderr
    assert "gave up waiting for a lock on a table after 1 attempt of 150 ms each" in lines[0]
    assert f"session {session} (user " in lines[0]
    assert "then run 'flask db upgrade' again, or raise MIGRATE_DDL_LOCK_TIMEOUT" in lines[0]
    assert "Traceback" not in result.stderr
    assert version_rows(postgresql_url) == [FIRST]


@pytest.mark.sqlite
def test_sqlite_has_no_lock_timeout_for_ddl(sqlite_url: str, tmp_path: Path) -> None:
    migrations = _folder(tmp_path)
    with app(sqlite_url, migrations, ddl_lock_timeout=100, ddl_lock_retries=1) as made:
        made.upgrade()
    assert version_rows(sqlite_url) == [SECOND]
    assert _columns(sqlite_url) == ["id", "name", "note"]


@pytest.mark.postgresql
def test_a_run_in_one_transaction_is_not_retried(postgresql_url: str, tmp_path: Path) -> None:
    # The rollback undid the whole run, so running the one migration again would be wrong.
    migrations = _folder(tmp_path)
    with app(
        postgresql_url,
        migrations,
        ddl_lock_timeout=150,
        ddl_lock_retries=3,
        transaction_per_migration=False,
    ) as made:
        made.upgrade(FIRST)
        blocker_engine = sa.create_engine(postgresql_url, poolclass=sa.pool.NullPool)
        try:
            with blocker_engine.connect() as blocker:
                blocker.exec_driver_sql("SELECT name FROM lockers WHERE id = 1").all()
                with pytest.raises(MigrateError) as caught:
                    made.upgrade()
                blocker.rollback()
                # The downgrade's advice names the downgrade.
                blocker.exec_driver_sql("SELECT name FROM lockers WHERE id = 1").all()
                with pytest.raises(MigrateError) as downgrade:
                    made.downgrade("base")
                blocker.rollback()
        finally:
            blocker_engine.dispose()
    assert "gave up waiting for a lock on a table after 1 attempt of 150 ms each" in str(
        caught.value
    )
    assert "then run 'flask db downgrade' again" in str(downgrade.value)
    assert version_rows(postgresql_url) == [FIRST]
    assert _columns(postgresql_url) == ["id", "name"]
