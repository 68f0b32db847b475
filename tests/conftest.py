"""Shared fixtures: scrubbed environment and real databases for each dialect.

Server tests use PostgreSQL and MariaDB/MySQL at the URLs in ``FML_TEST_POSTGRESQL_URL`` and
``FML_TEST_MYSQL_URL`` (defaults: the local servers). Each test worker gets a database of its
own, emptied before each test and dropped at the end; its name starts with
``FML_TEST_DB_PREFIX`` (default ``fml``), and databases that interrupted runs on this machine
left behind are dropped when a worker first uses the server (see :mod:`tests.server_databases`).
When a server does not answer, its tests are skipped with the reason, except under CI (``CI``
set), where they fail: CI must exercise every dialect.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from tests import server_databases

POSTGRESQL_URL = os.environ.get(
    "FML_TEST_POSTGRESQL_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
MYSQL_URL = os.environ.get("FML_TEST_MYSQL_URL", "mysql+pymysql://root@127.0.0.1:3306/test")
IN_CI = bool(os.environ.get("CI"))


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    # A run that collected no test must not look like success.
    if exitstatus == pytest.ExitCode.NO_TESTS_COLLECTED:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.fixture(autouse=True)
def _scrub_flask_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("FLASK_") or name in {"DATABASE_URL", "MIGRATIONS_DIRECTORY"}:
            monkeypatch.delenv(name, raising=False)


def _worker() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


def _database_name() -> str:
    # The process id keeps two test runs on the same servers out of each other's way.
    try:
        prefix = server_databases.prefix()
    except ValueError as exc:
        raise pytest.UsageError(str(exc)) from None
    return server_databases.database_name(
        prefix, server_databases.host_tag(), os.getpid(), _worker()
    )


def drop_stale_databases(conn: sa.Connection) -> list[str]:
    """Drop the databases that interrupted runs on this machine left; returns their names."""
    prefix = server_databases.prefix()
    if conn.dialect.name == "postgresql":
        listed = "SELECT datname FROM pg_database WHERE datname LIKE :p"
        drop = 'DROP DATABASE IF EXISTS "{}" WITH (FORCE)'
    else:
        listed = "SELECT schema_name FROM information_schema.schemata WHERE schema_name LIKE :p"
        drop = "DROP DATABASE IF EXISTS `{}`"
    names = conn.scalars(sa.text(listed), {"p": prefix + "%"}).all()
    dropped = []
    for name in server_databases.stale(names, prefix, server_databases.host_tag()):
        try:
            conn.exec_driver_sql(drop.format(name))
        except sa.exc.DBAPIError:
            continue  # another worker dropped it first, or it is busy: the next run retries
        dropped.append(name)
    return dropped


def _server_unavailable(name: str, url: str, exc: Exception) -> None:
    reason = f"{name} server not reachable at {sa.make_url(url).render_as_string()}: {exc}"
    if IN_CI:
        pytest.fail(f"{reason} (CI requires every database)")
    pytest.skip(reason)


def _admin_engine(url: str) -> sa.Engine:
    return sa.create_engine(url, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)


@pytest.fixture(scope="session")
def postgresql_database() -> Iterator[str]:
    """A PostgreSQL database of this worker's own; yields its URL."""
    admin = _admin_engine(POSTGRESQL_URL)
    name = _database_name()
    try:
        with admin.connect() as conn:
            drop_stale_databases(conn)
            exists = conn.scalar(
                sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}
            )
            if not exists:
                conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    except Exception as exc:  # noqa: BLE001  (any failure means: no usable server)
        _server_unavailable("PostgreSQL", POSTGRESQL_URL, exc)
    finally:
        admin.dispose()
    yield sa.make_url(POSTGRESQL_URL).set(database=name).render_as_string(hide_password=False)
    admin = _admin_engine(POSTGRESQL_URL)
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        admin.dispose()


@pytest.fixture(scope="session")
def mysql_database() -> Iterator[str]:
    """A MariaDB/MySQL database of this worker's own; yields its URL."""
    admin = _admin_engine(MYSQL_URL)
    name = _database_name()
    try:
        with admin.connect() as conn:
            drop_stale_databases(conn)
            conn.exec_driver_sql(f"CREATE DATABASE IF NOT EXISTS `{name}`")
    except Exception as exc:  # noqa: BLE001
        _server_unavailable("MariaDB/MySQL", MYSQL_URL, exc)
    finally:
        admin.dispose()
    yield sa.make_url(MYSQL_URL).set(database=name).render_as_string(hide_password=False)
    admin = _admin_engine(MYSQL_URL)
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f"DROP DATABASE IF EXISTS `{name}`")
    finally:
        admin.dispose()


def reset_postgresql(url: str) -> None:
    """Drop everything in the database's public schema (and its enum types)."""
    engine = _admin_engine(url)
    with engine.connect() as conn:
        conn.exec_driver_sql("DROP SCHEMA IF EXISTS public CASCADE")
        conn.exec_driver_sql("CREATE SCHEMA public")
        for (schema,) in conn.exec_driver_sql(
            "SELECT nspname FROM pg_namespace WHERE nspname LIKE 'fml\\_%%'"
        ):
            conn.exec_driver_sql(f"DROP SCHEMA {_quoted(conn, schema)} CASCADE")
    engine.dispose()


def _quoted(conn: sa.Connection, name: str) -> str:
    # Quoted as the dialect quotes names: with each % doubled where the driver reads the
    # statement as a format string (tests leave tables such as "100%_done" behind).
    return conn.dialect.identifier_preparer.quote_identifier(name)


def reset_mysql(url: str) -> None:
    """Drop every table of the database."""
    engine = _admin_engine(url)
    with engine.connect() as conn:
        conn.exec_driver_sql("SET FOREIGN_KEY_CHECKS = 0")
        for table, _kind in conn.exec_driver_sql(
            "SHOW FULL TABLES WHERE Table_type = 'BASE TABLE'"
        ):
            conn.exec_driver_sql(f"DROP TABLE {_quoted(conn, table)}")
        for view, _kind in conn.exec_driver_sql("SHOW FULL TABLES WHERE Table_type = 'VIEW'"):
            conn.exec_driver_sql(f"DROP VIEW {_quoted(conn, view)}")
        conn.exec_driver_sql("SET FOREIGN_KEY_CHECKS = 1")
    engine.dispose()


@pytest.fixture
def postgresql_url(postgresql_database: str) -> str:
    """An empty PostgreSQL database for one test."""
    reset_postgresql(postgresql_database)
    return postgresql_database


@pytest.fixture
def mysql_url(mysql_database: str) -> str:
    """An empty MariaDB/MySQL database for one test."""
    reset_mysql(mysql_database)
    return mysql_database


@pytest.fixture
def sqlite_url(tmp_path: os.PathLike[str]) -> str:
    """A fresh SQLite database file for one test."""
    return f"sqlite:///{os.path.join(os.fspath(tmp_path), 'test.db')}"


@pytest.fixture(
    params=[
        pytest.param("sqlite", marks=pytest.mark.sqlite),
        pytest.param("postgresql", marks=pytest.mark.postgresql),
        pytest.param("mysql", marks=pytest.mark.mysql),
    ]
)
def database_url(request: pytest.FixtureRequest) -> str:
    """The same test on each of the three databases, each one empty."""
    name = request.param
    fixture = {"sqlite": "sqlite_url", "postgresql": "postgresql_url", "mysql": "mysql_url"}[name]
    return str(request.getfixturevalue(fixture))
