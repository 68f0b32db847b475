"""No credential of the database URL is ever printed, wherever the URL is shown.

The URL carries secrets in the password after the user name and in the query string
(``?password=...``, ``sslpassword=...``, ``secret_token=...``, ``api_key=...``). Every command
that names the database (``upgrade``, ``upgrade --sql``, ``current -v``, ``status``, a connection
error) is run and its whole output searched for each secret.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.project import make_project

pytestmark = pytest.mark.e2e

NETLOC_SECRET = "NetlocS3cretValue"
QUERY_PASSWORD = "QueryPassw0rdValue"
SSL_PASSWORD = "SslPassw0rdValue"
TOKEN = "Tok3nSecretValue"
API_KEY = "ApiK3ySecretValue"
SECRETS = (NETLOC_SECRET, QUERY_PASSWORD, SSL_PASSWORD, TOKEN, API_KEY)


@dataclass
class Target:
    """A URL full of secrets that connects, and the same URL with nothing listening."""

    url: str
    shown: str
    unreachable: str
    unreachable_shown: str


def _run_everything(tmp_path: Path, target: Target) -> None:
    project = make_project(tmp_path / "proj", target.url)
    project.run("db", "init")
    project.run("db", "revision", "-m", "first")
    offline = project.run("db", "upgrade", "--sql")
    assert f"Offline SQL for {target.shown} (" in offline.stderr
    upgrade = project.run("db", "upgrade")
    assert f"Database: {target.shown}\n" in upgrade.stderr
    assert project.versions() == [project.revision_files()[0].name.split("_")[0]]
    current = project.run("db", "current", "-v")
    assert f"Current revision(s) for {target.shown}:" in current.output
    status = project.run("db", "status")
    assert f"Database: {target.shown}" in status.output
    # The same migrations folder, from an app whose database does not answer.
    broken = make_project(tmp_path / "broken", target.unreachable)
    failed = broken.run("db", "upgrade", "-d", str(project.migrations), check=False)
    assert failed.returncode == 1, failed.output
    assert f"Error: Cannot connect to the database {target.unreachable_shown}: " in failed.stderr
    for result in (offline, upgrade, current, status, failed):
        for secret in SECRETS:
            assert secret not in result.output, (secret, result.output)


def _rendered(url: str) -> str:
    # How SQLAlchemy writes the URL without its query (it may quote the ':' of 'file:').
    return sa.make_url(url).render_as_string()


@pytest.mark.sqlite
def test_sqlite_query_secrets_are_never_shown(tmp_path: Path) -> None:
    # SQLite reads parameters from the URL when it is a URI (uri=true), and ignores those it
    # does not know.
    query = f"?password={QUERY_PASSWORD}&secret_token={TOKEN}&api_key={API_KEY}&uri=true"
    shown = "?api_key=***&password=***&secret_token=***&uri=true"
    database = tmp_path / "app.db"
    missing = tmp_path / "no" / "such" / "folder" / "app.db"
    _run_everything(
        tmp_path,
        Target(
            url=f"sqlite:///file:{database}{query}",
            shown=_rendered(f"sqlite:///file:{database}") + shown,
            unreachable=f"sqlite:///file:{missing}{query}",
            unreachable_shown=_rendered(f"sqlite:///file:{missing}") + shown,
        ),
    )


@pytest.mark.postgresql
def test_postgresql_secrets_are_never_shown(tmp_path: Path, postgresql_url: str) -> None:
    # The server trusts local connections, so any password is accepted; the one in the
    # query string is the one the driver sends.
    base = sa.make_url(postgresql_url)
    query = {"password": QUERY_PASSWORD, "sslpassword": SSL_PASSWORD, "application_name": "fml"}
    url = base.set(password=NETLOC_SECRET, query=query)
    shown = (
        f"{base.drivername}://{base.username}:***@{base.host}:{base.port}/{base.database}"
        "?application_name=fml&password=***&sslpassword=***"
    )
    _run_everything(
        tmp_path,
        Target(
            url=url.render_as_string(hide_password=False),
            shown=shown,
            unreachable=url.set(port=1).render_as_string(hide_password=False),
            unreachable_shown=shown.replace(f":{base.port}/", ":1/"),
        ),
    )


@pytest.fixture
def mysql_user_with_password(mysql_url: str) -> Iterator[str]:
    """A MariaDB/MySQL user whose password is ``QUERY_PASSWORD``; yields its name."""
    name = f"fml_masked_{os.getpid()}"
    database = sa.make_url(mysql_url).database
    engine = sa.create_engine(mysql_url, poolclass=sa.pool.NullPool)
    with engine.begin() as conn:
        conn.exec_driver_sql(f"DROP USER IF EXISTS '{name}'@'%%'")
        conn.exec_driver_sql(f"CREATE USER '{name}'@'%%' IDENTIFIED BY '{QUERY_PASSWORD}'")
        conn.exec_driver_sql(f"GRANT ALL PRIVILEGES ON `{database}`.* TO '{name}'@'%%'")
    try:
        yield name
    finally:
        with engine.begin() as conn:
            conn.exec_driver_sql(f"DROP USER IF EXISTS '{name}'@'%%'")
        engine.dispose()


@pytest.mark.mysql
def test_mysql_secrets_are_never_shown(
    tmp_path: Path, mysql_url: str, mysql_user_with_password: str
) -> None:
    # The password in the query string is the one the driver sends (it overrides the one
    # after the user name), and the user needs it.
    base = sa.make_url(mysql_url)
    url = base.set(
        username=mysql_user_with_password,
        password=NETLOC_SECRET,
        query={"password": QUERY_PASSWORD, "charset": "utf8mb4"},
    )
    shown = (
        f"{base.drivername}://{mysql_user_with_password}:***@{base.host}:{base.port}/"
        f"{base.database}?charset=utf8mb4&password=***"
    )
    _run_everything(
        tmp_path,
        Target(
            url=url.render_as_string(hide_password=False),
            shown=shown,
            unreachable=url.set(port=1).render_as_string(hide_password=False),
            unreachable_shown=shown.replace(f":{base.port}/", ":1/"),
        ),
    )
