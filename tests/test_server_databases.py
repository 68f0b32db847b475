"""The suite's own databases on the servers: named per process, and cleaned up after
interrupted runs (see :mod:`tests.server_databases`)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests import server_databases
from tests.conftest import MYSQL_URL, POSTGRESQL_URL
from tests.server_databases import database_name, host_tag, stale

ROOT = Path(__file__).resolve().parent.parent
HOST = "a1b2c3"
OTHER_HOST = "d4e5f6"
LISTED = {
    "postgresql": "SELECT datname FROM pg_database WHERE datname LIKE :p",
    "mysql": "SELECT schema_name FROM information_schema.schemata WHERE schema_name LIKE :p",
}


def _alive(*pids: int) -> Callable[[int], bool]:
    return lambda pid: pid in pids


def test_stale_names_are_this_machines_with_their_process_gone() -> None:
    names = [
        "fml_a1b2c3_101_gw0",  # this machine, process gone: stale
        "fml_a1b2c3_102_main",  # this machine, process alive: in use
        "fml_d4e5f6_103_gw1",  # another machine: never ours to judge
        "fml_104_gw0",  # the form used before the host tag, process gone: stale
        "fml_105_main",  # ... and alive
        "fmlx_a1b2c3_106_gw0",  # another prefix
        "fml_a1b2c3_107_gw0_copy",  # not a name the suite makes
        "fml_a1b2c3_x_gw0",
        "fml_a1b2c3_108_worker",
        "test",
        "fml_floor",
    ]
    assert stale(names, "fml", HOST, _alive(102, 105)) == ["fml_104_gw0", "fml_a1b2c3_101_gw0"]
    assert stale(names, "fmlx", HOST, _alive()) == ["fmlx_a1b2c3_106_gw0"]
    other = stale(names, "fml", OTHER_HOST, _alive())
    assert other == ["fml_104_gw0", "fml_105_main", "fml_d4e5f6_103_gw1"]


def test_prefix_with_regex_characters_is_taken_literally() -> None:
    assert stale(["fmlxa1b2c3_1_gw0", "f_l_a1b2c3_1_gw0"], "f_l", HOST, _alive()) == [
        "f_l_a1b2c3_1_gw0"
    ]


def test_names_fit_the_servers_and_round_trip() -> None:
    longest = database_name("p" * 30, host_tag(), 4194304, "gw1000")
    assert len(longest) <= 63
    assert host_tag("box") == host_tag("box") != host_tag("other box")
    assert len(host_tag()) == 6
    name = database_name("fml", HOST, 4242, "gw3")
    assert stale([name], "fml", HOST, _alive()) == [name]
    assert stale([name], "fml", HOST, _alive(4242)) == []


def test_a_process_that_ended_is_not_alive_and_this_one_is() -> None:
    ended = subprocess.Popen([sys.executable, "-c", "pass"])
    ended.wait()
    assert server_databases.pid_alive(ended.pid) is False
    assert server_databases.pid_alive(os.getpid()) is True
    assert server_databases.pid_alive(0) is True  # not a process id: never judged stale


def test_prefix_is_configured_and_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(server_databases.PREFIX_VARIABLE, raising=False)
    assert server_databases.prefix() == "fml"
    monkeypatch.setenv(server_databases.PREFIX_VARIABLE, "ci_job7")
    assert server_databases.prefix() == "ci_job7"
    for bad in ["Fml", "7fml", "fml-x", "a" * 31, 'x"; DROP DATABASE test; --']:
        monkeypatch.setenv(server_databases.PREFIX_VARIABLE, bad)
        with pytest.raises(ValueError, match="FML_TEST_DB_PREFIX="):
            server_databases.prefix()


# -- on the servers -----------------------------------------------------------------------------


def _probe_name(url: str) -> None:
    name = sa.make_url(url).database
    expected = database_name(
        server_databases.prefix(),
        host_tag(),
        os.getpid(),
        os.environ.get("PYTEST_XDIST_WORKER", "main"),
    )
    assert name == expected


@pytest.mark.postgresql
def test_postgresql_database_named_for_this_process(postgresql_url: str) -> None:
    _probe_name(postgresql_url)


@pytest.mark.mysql
def test_mysql_database_named_for_this_process(mysql_url: str) -> None:
    _probe_name(mysql_url)


def _databases(url: str, like: str) -> set[str]:
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            if conn.dialect.name == "postgresql":
                query = "SELECT datname FROM pg_database WHERE datname LIKE :p"
            else:
                query = (
                    "SELECT schema_name FROM information_schema.schemata WHERE schema_name LIKE :p"
                )
            return set(conn.scalars(sa.text(query), {"p": like}))
    finally:
        engine.dispose()


def _admin(url: str, statement: str) -> None:
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql(statement)
    finally:
        engine.dispose()


@pytest.mark.postgresql
@pytest.mark.mysql
def test_stale_databases_dropped_when_a_run_starts(
    tmp_path: Path, postgresql_database: str, mysql_database: str
) -> None:
    prefix = f"fmlstale{os.getpid()}"
    ended = subprocess.Popen([sys.executable, "-c", "pass"])
    ended.wait()
    left = database_name(prefix, host_tag(), ended.pid, "gw0")  # an interrupted run's
    # A live process's (other machines' names are left alone too: see the unit test above).
    kept = [database_name(prefix, host_tag(), os.getpid(), "gw5")]
    servers = {
        "postgresql": (POSTGRESQL_URL, '"{}"', " WITH (FORCE)"),
        "mysql": (MYSQL_URL, "`{}`", ""),
    }
    try:
        for url, quote, _force in servers.values():
            for name in [left, *kept]:
                _admin(url, f"CREATE DATABASE {quote.format(name)}")
        env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
        env["FML_TEST_DB_PREFIX"] = prefix
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
        run = subprocess.run(
            [
                sys.executable,
                "-m",
                "pytest",
                "-q",
                "-p",
                "no:cacheprovider",
                "-p",
                "no:xdist",
                f"{Path(__file__).relative_to(ROOT)}",
                "-k",
                "database_named_for_this_process",
            ],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert run.returncode == 0, run.stdout + run.stderr
        assert "2 passed" in run.stdout, run.stdout
        for url, _quote, _force in servers.values():
            # The stale one is gone, the others stay, and the run dropped its own at the end.
            assert _databases(url, prefix + "%") == set(kept), url
    finally:
        for url, quote, force in servers.values():
            for name in [left, *kept]:
                _admin(url, f"DROP DATABASE IF EXISTS {quote.format(name)}{force}")
