"""A dropped connection, on the real servers: one sentence that says what it left behind.

An admin connection ends the migrating process's session the way an operator or a server
restart would (``pg_terminate_backend``, ``KILL``): while the process waits for the migration
lock, while a migration runs, while it updates the version table and while it commits. Each
test checks the exact line the user sees and that the database holds what the line says.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError

from flask_migrate_lite.engine.errors import ConnectionLost
from flask_migrate_lite.engine.runtime.lock import lock_key, lock_name
from tests.databases import APPLIED_LOG
from tests.project import HANG, Project
from tests.runtime._faults import wait_until
from tests.runtime._support import (
    app,
    connect,
    dialect_of,
    error_lines,
    make_folder,
    popen_flask,
    version_rows,
    write_app,
    write_revision,
)

pytestmark = pytest.mark.e2e

R1, R2, R3 = "c0a1b2c3d401", "c0a1b2c3d402", "c0a1b2c3d403"
APP_NAME = "fml-connection-loss"

#: What the driver says when the server ends the session.
REASONS = {
    "postgresql": {
        "terminating connection due to administrator command",
        "consuming input failed: server closed the connection unexpectedly",
    },
    "mysql": {
        "Lost connection to MySQL server during query",
        "MySQL server has gone away",
        "Connection was killed",
    },
}
DIALECT_NAME = {"postgresql": "PostgreSQL", "mysql": "MariaDB"}
CHECK = "check that the server is running"
AGAIN = "then run 'flask db current' and 'flask db upgrade' again."


@pytest.fixture(
    params=[
        pytest.param("postgresql", marks=pytest.mark.postgresql),
        pytest.param("mysql", marks=pytest.mark.mysql),
    ]
)
def server_url(request: pytest.FixtureRequest) -> str:
    """An empty database on each server (PostgreSQL with a password that trust ignores)."""
    url = str(request.getfixturevalue(f"{request.param}_url"))
    if request.param == "postgresql":
        return sa.make_url(url).set(password="s3cret").render_as_string(hide_password=False)
    return url


def _project(path: Path, url: str, **config: Any) -> Project:
    """Three revisions creating t1, t2, t3; the second then sleeps ten minutes when the
    environment has ``FML_TEST_SLOW``."""
    migrations = make_folder(path)
    sleep = "SELECT pg_sleep(600)" if dialect_of(url) == "postgresql" else "SELECT SLEEP(600)"
    for number, (rev, down) in enumerate([(R1, None), (R2, R1), (R3, R2)], start=1):
        body = f'op.create_table("t{number}", sa.Column("id", sa.Integer(), primary_key=True))'
        if rev == R2:
            body += f'\nimport os\nif os.environ.get("FML_TEST_SLOW"):\n    op.execute("{sleep}")'
        write_revision(
            migrations,
            rev,
            down,
            body,
            f'op.drop_table("t{number}")',
            message=["one", "two", "three"][number - 1],
        )
    if dialect_of(url) == "postgresql":
        config["SQLALCHEMY_ENGINE_OPTIONS"] = {"connect_args": {"application_name": APP_NAME}}
    return write_app(path, url, config=config)


def _tables(url: str) -> list[str]:
    with connect(url) as connection:
        return sorted(set(sa.inspect(connection).get_table_names()) - {APPLIED_LOG})


@contextmanager
def _admin(url: str) -> Iterator[sa.Connection]:
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            yield connection
    finally:
        engine.dispose()


def _sessions(admin: sa.Connection, where: str, **params: Any) -> list[int]:
    """The ids of the other sessions on this database that match ``where``."""
    if admin.dialect.name == "postgresql":
        query = (
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
            f"AND pid <> pg_backend_pid() AND {where}"
        )
    else:
        query = (
            "SELECT id FROM information_schema.processlist WHERE db = DATABASE() "
            f"AND id <> CONNECTION_ID() AND {where}"
        )
    return [int(row[0]) for row in admin.execute(sa.text(query), params)]


def _end_session(admin: sa.Connection, session: int) -> None:
    """End ``session`` as an operator would, and wait until the server has let it go."""
    if admin.dialect.name == "postgresql":
        admin.execute(sa.text("SELECT pg_terminate_backend(:p)"), {"p": session})
        gone = "pid = :p"
    else:
        admin.exec_driver_sql(f"KILL {int(session)}")
        gone = "id = :p"
    wait_until(lambda: not _sessions(admin, gone, p=session), f"session {session} to end")


def _session_of(connection: sa.Connection) -> int:
    driver: Any = connection.connection.dbapi_connection
    if connection.dialect.name == "postgresql":
        return int(driver.info.backend_pid)
    return int(driver.thread_id())


def _one_error(stderr: str) -> str:
    assert "Traceback" not in stderr, stderr
    lines = error_lines(stderr)
    assert len(lines) == 1, stderr
    return lines[0]


def _shown(stderr: str) -> str:
    """The URL the run printed on its ``Database:`` line (the password hidden)."""
    line = next(line for line in stderr.splitlines() if line.startswith("Database: "))
    return line.removeprefix("Database: ")


def _assert_line(line: str, dialect: str, template: str) -> None:
    """``line`` is ``template`` with one of the driver's reasons for a dropped session."""
    expected = {template.format(reason=reason) for reason in REASONS[dialect]}
    assert line in expected, f"{line}\nexpected one of:\n" + "\n".join(sorted(expected))


@contextmanager
def _lock_held(admin: sa.Connection, url: str) -> Iterator[None]:
    if admin.dialect.name == "postgresql":
        key = lock_key("alembic_version", None)
        admin.execute(sa.text("SELECT pg_advisory_lock(:k)"), {"k": key})
        yield
        admin.execute(sa.text("SELECT pg_advisory_unlock(:k)"), {"k": key})
    else:
        name = lock_name(str(sa.make_url(url).database), "alembic_version", None)
        assert admin.execute(sa.text("SELECT GET_LOCK(:n, 0)"), {"n": name}).scalar() == 1
        yield
        admin.execute(sa.text("SELECT RELEASE_LOCK(:n)"), {"n": name})


@pytest.mark.timed
def test_waiting_for_the_lock(tmp_path: Path, server_url: str) -> None:
    dialect = dialect_of(server_url)
    project = _project(tmp_path / "proj", server_url, MIGRATE_LOCK_TIMEOUT=120)
    with app(server_url, project.migrations) as migrate:
        migrate.upgrade(R1)
    before = _tables(server_url)

    with _admin(server_url) as admin, _lock_held(admin, server_url):
        process = popen_flask(project, "db", "upgrade")
        if dialect == "postgresql":
            # The lock is polled: the session is the app's, once it has said which database
            # it migrates (after that it only waits for the lock).
            assert process.stderr is not None
            first = process.stderr.readline()
            assert first.startswith("Database: "), first
            where, params = "application_name = :a", {"a": APP_NAME}
        else:
            first = ""
            where, params = "info LIKE :p", {"p": "SELECT GET_LOCK(%"}
        session = wait_until(lambda: _sessions(admin, where, **params), "the lock wait", process)
        assert len(session) == 1
        _end_session(admin, session[0])
        _out, rest = process.communicate(timeout=HANG)
    stderr = first + rest

    assert process.returncode == 1, stderr
    shown = _shown(stderr)
    _assert_line(
        _one_error(stderr),
        dialect,
        f"Error: Lost the connection to the database {shown} while waiting for the migration "
        "lock ({reason}); nothing was changed; "
        f"{CHECK}, then run 'flask db current' and the command again.",
    )
    if dialect == "postgresql":
        assert ":***@" in shown and "s3cret" not in stderr
    assert version_rows(server_url) == [R1]
    assert _tables(server_url) == before
    # The lock is free and the database usable: the same command now completes.
    with app(server_url, project.migrations) as migrate:
        migrate.upgrade()
    assert version_rows(server_url) == [R3]


@pytest.mark.timed
def test_while_a_migration_runs(tmp_path: Path, server_url: str) -> None:
    dialect = dialect_of(server_url)
    project = _project(tmp_path / "proj", server_url)
    with _admin(server_url) as admin:
        process = popen_flask(project, "db", "upgrade", FML_TEST_SLOW="1")
        if dialect == "postgresql":
            where = "query = 'SELECT pg_sleep(600)' AND state = 'active'"
        else:
            where = "info = 'SELECT SLEEP(600)'"
        session = wait_until(lambda: _sessions(admin, where), "the slow migration", process)
        _end_session(admin, session[0])
        _out, stderr = process.communicate(timeout=HANG)

    assert process.returncode == 1, stderr
    assert f"Running upgrade {R1} -> {R2}, two" in stderr
    line = _one_error(stderr)
    head = (
        f"Error: Lost the connection to the database {_shown(stderr)} while running upgrade "
        f'{R1} -> {R2} "two" ({{reason}}); '
    )
    if dialect == "postgresql":
        _assert_line(
            line,
            dialect,
            head + f"that migration was rolled back, and the version table shows {R1}, with "
            f"the 1 earlier migration of this run kept; {CHECK}, {AGAIN}",
        )
        # What the line says: the first migration of the run kept, the second gone entirely.
        assert version_rows(server_url) == [R1]
        assert _tables(server_url) == ["alembic_version", "t1"]
    else:
        _assert_line(
            line,
            dialect,
            head + "what that migration did before the drop may remain (MariaDB commits each "
            f"DDL statement at once), and the version table shows {R1}, with the 1 earlier "
            f"migration of this run kept; {CHECK} and undo what that migration did (or make "
            f"it skip what exists), {AGAIN}",
        )
        # Its CREATE TABLE was committed by the server before the sleep.
        assert version_rows(server_url) == [R1]
        assert _tables(server_url) == ["alembic_version", "t1", "t2"]
        with connect(server_url) as connection:
            connection.exec_driver_sql("DROP TABLE t2")
    # Following the advice completes the upgrade (without FML_TEST_SLOW, in-process).
    with app(server_url, project.migrations) as migrate:
        assert migrate.cli("current").stdout.split() == [R1]
        migrate.upgrade()
    assert version_rows(server_url) == [R3]
    assert _tables(server_url) == ["alembic_version", "t1", "t2", "t3"]


class _Dropper:
    """Ends the migrating session just before a version-table statement or a commit.

    ``revision`` names the migration whose version-table statement arms it; ``at`` is
    ``"version"`` (end the session instead of running that statement) or ``"commit"`` (end
    it at the next commit). ``"read"`` ends it instead of the first read of the table's rows.
    """

    def __init__(self, url: str, revision: str, at: str) -> None:
        self.url = url
        self.revision = revision
        self.at = at
        self.armed = False
        self.fired = 0

    def before_cursor_execute(
        self, conn: sa.Connection, _cursor: Any, statement: str, params: Any, *_: Any
    ) -> None:
        if self.at == "read" and not self.fired:
            if statement.startswith("SELECT alembic_version.version_num"):
                self._drop(conn)
            return
        table_statement = "alembic_version" in statement.split("WHERE")[0]
        if self.fired or not table_statement or self.revision not in repr(params):
            return
        if self.at == "version":
            self._drop(conn)
        else:
            self.armed = True

    def commit(self, conn: sa.Connection) -> None:
        if self.armed and not self.fired:
            self._drop(conn)

    def _drop(self, conn: sa.Connection) -> None:
        self.fired += 1
        with _admin(self.url) as admin:
            _end_session(admin, _session_of(conn))


@pytest.mark.parametrize(
    ("at", "per_migration"),
    [("version", True), ("commit", True), ("commit", False)],
    ids=["version-table", "commit", "commit-of-the-run"],
)
@pytest.mark.timed
def test_at_the_version_table_and_the_commit(
    tmp_path: Path, server_url: str, at: str, per_migration: bool
) -> None:
    dialect = dialect_of(server_url)
    project = _project(tmp_path / "proj", server_url)
    with app(server_url, project.migrations) as migrate:
        migrate.upgrade(R1)
    options = {} if per_migration else {"transaction_per_migration": False}
    with app(server_url, project.migrations, **options) as migrate:
        dropper = _Dropper(server_url, R3, at)
        engine = migrate.engine
        sa.event.listen(engine, "before_cursor_execute", dropper.before_cursor_execute)
        sa.event.listen(engine, "commit", dropper.commit)
        result = migrate.cli("upgrade", code=1)
        assert dropper.fired == 1
        shown = migrate.engine.url.render_as_string(hide_password=True)

    line = _one_error(result.stderr)
    lead = f"Error: Lost the connection to the database {shown} while "
    three = f'upgrade {R2} -> {R3} "three"'
    if at == "version":
        if dialect == "postgresql":
            fate = "that migration was rolled back"
            fix = f"{CHECK}, {AGAIN}"
        else:
            fate = (
                "what that migration did before the drop may remain (MariaDB commits each DDL "
                "statement at once)"
            )
            fix = f"{CHECK} and undo what that migration did (or make it skip what exists), {AGAIN}"
        template = (
            f"{lead}updating the version table for {three} ({{reason}}); {fate}, and the "
            f"version table shows {R2}, with the 1 earlier migration of this run kept; {fix}"
        )
        claimed = [[R2]]
    elif per_migration and dialect == "postgresql":
        template = (
            f"{lead}committing {three} ({{reason}}); it is not known whether the database "
            f"received the commit, so the version table shows either {R2} or {R3}, with the 1 "
            f"earlier migration of this run kept; {CHECK}, {AGAIN}"
        )
        claimed = [[R2], [R3]]
    elif dialect == "mysql":
        # Each migration commits on its own there, with one transaction per run asked or not.
        template = (
            f"{lead}committing {three} ({{reason}}); its DDL statements were committed as they "
            "ran (MariaDB commits each at once), and it is not known whether the database "
            "received the commit of its version-table change, so the version table shows "
            f"either {R2} or {R3}, with the 1 earlier migration of this run kept; {CHECK} and "
            f"run 'flask db current': if it shows {R2}, undo what that migration did (or make "
            "it skip what exists), then run 'flask db upgrade' again."
        )
        claimed = [[R2], [R3]]
    else:
        template = (
            f"{lead}committing the migrations of this run ({{reason}}); it is not known "
            "whether the database received the commit, so the version table shows either "
            f"{R1} or {R3}; {CHECK}, {AGAIN}"
        )
        claimed = [[R1], [R3]]
    _assert_line(line, dialect, template)

    rows = version_rows(server_url)
    assert rows in claimed
    tables = _tables(server_url)
    if dialect == "postgresql":
        # The session ended before the COMMIT went out: nothing of the interrupted
        # transaction is there, as PostgreSQL promises.
        expected = {R1: ["t1"], R2: ["t1", "t2"], R3: ["t1", "t2", "t3"]}[rows[0]]
        assert tables == ["alembic_version", *expected]
    else:
        assert tables == ["alembic_version", "t1", "t2", "t3"]
        with connect(server_url) as connection:
            connection.exec_driver_sql("DROP TABLE t3")
    with app(server_url, project.migrations) as migrate:
        migrate.upgrade()
    assert version_rows(server_url) == [R3]


def test_reading_the_version_table(tmp_path: Path, server_url: str) -> None:
    project = _project(tmp_path / "proj", server_url)
    with app(server_url, project.migrations) as migrate:
        migrate.upgrade(R1)
        dropper = _Dropper(server_url, R1, "read")
        sa.event.listen(migrate.engine, "before_cursor_execute", dropper.before_cursor_execute)
        result = migrate.cli("upgrade", code=1)
        assert dropper.fired == 1
        shown = migrate.engine.url.render_as_string(hide_password=True)
    _assert_line(
        _one_error(result.stderr),
        dialect_of(server_url),
        f"Error: Lost the connection to the database {shown} while reading the version table "
        f"({{reason}}); nothing was changed; {CHECK}, then run 'flask db current' and the "
        "command again.",
    )
    assert version_rows(server_url) == [R1]
    assert _tables(server_url) == ["alembic_version", "t1"]


def test_stamp(tmp_path: Path, server_url: str) -> None:
    dialect = dialect_of(server_url)
    project = _project(tmp_path / "proj", server_url)
    with app(server_url, project.migrations) as migrate:
        migrate.upgrade(R2)
        dropper = _Dropper(server_url, R3, "version")
        sa.event.listen(migrate.engine, "before_cursor_execute", dropper.before_cursor_execute)
        result = migrate.cli("stamp", R3, code=1)
        shown = migrate.engine.url.render_as_string(hide_password=True)
    _assert_line(
        _one_error(result.stderr),
        dialect,
        f"Error: Lost the connection to the database {shown} while updating the version "
        "table ({reason}); the version table change was rolled back, and the version table "
        f"shows {R2}; {CHECK}, then run 'flask db current' and 'flask db stamp' again.",
    )
    assert version_rows(server_url) == [R2]


def test_traceback_when_asked(tmp_path: Path, server_url: str) -> None:
    project = _project(tmp_path / "proj", server_url)
    with app(server_url, project.migrations) as migrate:
        migrate.upgrade(R2)
        dropper = _Dropper(server_url, R3, "version")
        sa.event.listen(migrate.engine, "before_cursor_execute", dropper.before_cursor_execute)
        result = migrate.cli("--traceback", "upgrade", code=1)
    assert isinstance(result.exception, ConnectionLost)
    assert isinstance(result.exception.__cause__, DBAPIError)
    assert result.exception.__cause__.connection_invalidated
    assert version_rows(server_url) == [R2]
