"""The test suite's fixtures: a scrubbed environment, real databases, projects.

Server tests use PostgreSQL and MariaDB/MySQL at the URLs in ``FML_TEST_POSTGRESQL_URL`` and
``FML_TEST_MYSQL_URL`` (defaults: the local servers). Each test worker gets a database of its
own, emptied before each test and dropped at the end; its name starts with
``FML_TEST_DB_PREFIX`` (default ``fml``), and databases that interrupted runs on this machine
left behind are dropped when a worker first uses the server (see :mod:`tests.server_databases`).
When a server does not answer, its tests are skipped with the reason, except under CI (``CI``
set), where they fail: CI must exercise every dialect.

Tests marked ``timed`` wait for other processes under a wall-clock bound (or time a run, as
the benchmark's smoke run does). They are left out of a run unless ``--timed`` is given, which
runs only them.

Projects on disk and in-process apps come from the one project builder, :mod:`tests.builder`;
emptying and reading databases from :mod:`tests.databases`.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests import server_databases
from tests.builder import Cli, Project
from tests.databases import (
    MYSQL_URL,
    POSTGRESQL_URL,
    admin_engine,
    drop_stale_databases,
    reset_mysql,
    reset_postgresql,
)

# Importable from here as before.
__all__ = [
    "IN_CI",
    "MYSQL_URL",
    "POSTGRESQL_URL",
    "drop_stale_databases",
    "reset_mysql",
    "reset_postgresql",
]

IN_CI = bool(os.environ.get("CI"))


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--timed",
        action="store_true",
        help="run only the tests marked 'timed' (left out of every other run)",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    wanted = bool(config.getoption("--timed"))
    kept: list[pytest.Item] = []
    left: list[pytest.Item] = []
    for item in items:
        (kept if (item.get_closest_marker("timed") is not None) == wanted else left).append(item)
    if left:
        config.hook.pytest_deselected(items=left)
        items[:] = kept


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    # A run that collected no test must not look like success.
    if exitstatus == pytest.ExitCode.NO_TESTS_COLLECTED:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.fixture(autouse=True)
def _scrub_flask_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("FLASK_") or name in {"DATABASE_URL", "MIGRATIONS_DIRECTORY"}:
            monkeypatch.delenv(name, raising=False)


# --- databases -----------------------------------------------------------------------------


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


def _server_unavailable(name: str, url: str, exc: Exception) -> None:
    reason = f"{name} server not reachable at {sa.make_url(url).render_as_string()}: {exc}"
    if IN_CI:
        pytest.fail(f"{reason} (CI requires every database)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def postgresql_database() -> Iterator[str]:
    """A PostgreSQL database of this worker's own; yields its URL."""
    admin = admin_engine(POSTGRESQL_URL)
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
    admin = admin_engine(POSTGRESQL_URL)
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        admin.dispose()


@pytest.fixture(scope="session")
def mysql_database() -> Iterator[str]:
    """A MariaDB/MySQL database of this worker's own; yields its URL."""
    admin = admin_engine(MYSQL_URL)
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
    admin = admin_engine(MYSQL_URL)
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f"DROP DATABASE IF EXISTS `{name}`")
    finally:
        admin.dispose()


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


# --- projects ------------------------------------------------------------------------------


@pytest.fixture
def project(tmp_path: Path) -> Project:
    """``app.py`` in ``proj/`` on a SQLite file ``app.db``, for ``flask`` subprocesses; no
    migrations folder yet (modules that want one override this fixture, starting from it)."""
    return Project.create(tmp_path / "proj", f"sqlite:///{tmp_path / 'app.db'}")


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    """An in-process app on a SQLite file with an initialized migrations folder."""
    runner = Cli(tmp_path)
    runner("init")
    return runner
