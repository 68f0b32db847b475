"""Connection problems: one sentence naming the URL (password hidden), exit 1, no traceback."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from tests.project import make_project

pytestmark = pytest.mark.e2e


def _one_error(tmp_path: Path, url: str) -> str:
    project = make_project(tmp_path / "proj", url)
    project.run("db", "init")
    project.run("db", "revision", "-m", "first")
    result = project.run("db", "upgrade", check=False)
    assert result.returncode == 1, result.output
    assert "Traceback" not in result.output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Error: Cannot connect to the database ")
    return lines[0]


def _with(url: str, **parts: Any) -> str:
    return sa.make_url(url).set(**parts).render_as_string(hide_password=False)


@pytest.mark.postgresql
def test_postgresql_refused(tmp_path: Path, postgresql_url: str) -> None:
    line = _one_error(tmp_path, _with(postgresql_url, port=1, password="s3cret"))
    assert ":***@127.0.0.1:1/" in line and "s3cret" not in line
    assert line.endswith("check SQLALCHEMY_DATABASE_URI and that the server is running.")


@pytest.mark.postgresql
def test_postgresql_unknown_user(tmp_path: Path, postgresql_url: str) -> None:
    line = _one_error(tmp_path, _with(postgresql_url, username="nobody_here", password="pw"))
    assert "nobody_here" in line and "pw@" not in line
    assert line.endswith("check the user name and password in SQLALCHEMY_DATABASE_URI.")


@pytest.mark.postgresql
def test_postgresql_missing_database(tmp_path: Path, postgresql_url: str) -> None:
    line = _one_error(tmp_path, _with(postgresql_url, database="fml_no_such_db"))
    assert "fml_no_such_db" in line
    assert line.endswith("create that database, or fix the name in SQLALCHEMY_DATABASE_URI.")


@pytest.mark.mysql
def test_mysql_wrong_password(tmp_path: Path, mysql_url: str) -> None:
    line = _one_error(tmp_path, _with(mysql_url, password="wrong-pw"))
    assert "wrong-pw" not in line and ":***@" in line
    assert line.endswith("check the user name and password in SQLALCHEMY_DATABASE_URI.")


@pytest.mark.mysql
def test_mysql_missing_database(tmp_path: Path, mysql_url: str) -> None:
    line = _one_error(tmp_path, _with(mysql_url, database="fml_no_such_db"))
    assert "Unknown database 'fml_no_such_db'" in line
    assert line.endswith("create that database, or fix the name in SQLALCHEMY_DATABASE_URI.")


@pytest.mark.mysql
def test_mysql_refused(tmp_path: Path, mysql_url: str) -> None:
    line = _one_error(tmp_path, _with(mysql_url, port=1))
    assert "127.0.0.1:1/" in line
    assert line.endswith("check SQLALCHEMY_DATABASE_URI and that the server is running.")


@pytest.mark.sqlite
def test_sqlite_folder_missing(tmp_path: Path) -> None:
    line = _one_error(tmp_path, f"sqlite:///{tmp_path / 'no' / 'such' / 'dir' / 'app.db'}")
    assert line.endswith("check that the folder of the SQLite file exists and is writable.")
