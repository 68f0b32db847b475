"""Several databases (Flask-SQLAlchemy binds): init --multidb, migrate, upgrade, downgrade."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.databases import APPLIED_LOG
from tests.project import Project

pytestmark = pytest.mark.e2e

APP = """\
from flask import Flask
from flask_sqlalchemy import SQLAlchemy
import sqlalchemy as sa
from flask_migrate_lite import Migrate

app = Flask(__name__)
app.config["SQLALCHEMY_DATABASE_URI"] = {main!r}
app.config["SQLALCHEMY_BINDS"] = {binds!r}
db = SQLAlchemy(app)
Migrate(app, db)


class Post(db.Model):
    id = sa.Column(sa.Integer, primary_key=True)
    title = sa.Column(sa.String(80))
{extra}
"""

USER = """

class User(db.Model):
    __bind_key__ = "users"
    id = sa.Column(sa.Integer, primary_key=True)
    name = sa.Column(sa.String(64))
"""


def _write(path: Path, main: str, binds: dict[str, str], extra: str = "") -> Project:
    path.mkdir(parents=True, exist_ok=True)
    (path / "app.py").write_text(APP.format(main=main, binds=binds, extra=extra))
    return Project(path, main)


def _tables(url: str) -> set[str]:
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            return set(sa.inspect(conn).get_table_names()) - {APPLIED_LOG}
    finally:
        engine.dispose()


def _versions(url: str) -> list[str]:
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            if not sa.inspect(conn).has_table("alembic_version"):
                return []
            return sorted(conn.scalars(sa.text("SELECT version_num FROM alembic_version")))
    finally:
        engine.dispose()


def _workflow(tmp_path: Path, main: str, users: str) -> None:
    project = _write(tmp_path / "proj", main, {"users": users}, USER)
    project.run("db", "init", "--multidb")
    made = project.run("db", "migrate", "-m", "both")
    assert "Detected added table 'post'" in made.stderr
    assert "Detected added table 'user'" in made.stderr
    [written] = project.revision_files()
    text = written.read_text()
    assert "def upgrade_():" in text and "def upgrade_users():" in text
    rev = written.name.split("_")[0]
    project.run("db", "upgrade")
    assert {"post", "alembic_version"} <= _tables(main) and "user" not in _tables(main)
    assert {"user", "alembic_version"} <= _tables(users) and "post" not in _tables(users)
    assert _versions(main) == [rev] and _versions(users) == [rev]
    assert project.run("db", "check").stdout.strip() == "No new upgrade operations detected."
    current = project.run("db", "current").stdout.splitlines()
    # (Flask-SQLAlchemy adds ?charset=utf8mb4 to MySQL URLs.)
    assert [line.replace("?charset=utf8mb4", "") for line in current] == [
        f"Database: {sa.make_url(main).render_as_string()} (default)",
        f"{rev} (head)",
        f"Database: {sa.make_url(users).render_as_string()} (bind 'users')",
        f"{rev} (head)",
    ]
    # --bind limits a command to one database.
    project.run("db", "downgrade", "--bind", "users")
    assert _versions(users) == [] and "user" not in _tables(users)
    assert _versions(main) == [rev] and "post" in _tables(main)
    failed = project.run("db", "status", "--check", check=False)
    assert failed.returncode == 1
    project.run("db", "upgrade")
    project.run("db", "downgrade")
    assert _versions(main) == [] and _versions(users) == []
    assert "post" not in _tables(main) and "user" not in _tables(users)


@pytest.mark.sqlite
def test_two_sqlite_files(tmp_path: Path) -> None:
    _workflow(tmp_path, f"sqlite:///{tmp_path / 'main.db'}", f"sqlite:///{tmp_path / 'users.db'}")


@pytest.mark.postgresql
@pytest.mark.mysql
def test_postgresql_and_mariadb_together(
    postgresql_url: str, mysql_url: str, tmp_path: Path
) -> None:
    _workflow(tmp_path, postgresql_url, mysql_url)


@pytest.mark.sqlite
def test_bind_added_after_revisions_exist(tmp_path: Path) -> None:
    main = f"sqlite:///{tmp_path / 'main.db'}"
    users = f"sqlite:///{tmp_path / 'users.db'}"
    project = _write(tmp_path / "proj", main, {})
    project.run("db", "init", "--multidb")
    project.run("db", "migrate", "-m", "posts")
    project.run("db", "upgrade")
    # A bind and its model arrive later: the old revision has no upgrade_users() at all.
    project = _write(tmp_path / "proj", main, {"users": users}, USER)
    project.run("db", "upgrade")
    made = project.run("db", "migrate", "-m", "users")
    assert "Detected added table 'user'" in made.stderr
    assert "Detected added table 'post'" not in made.stderr
    project.run("db", "upgrade")
    assert "user" in _tables(users)
    assert len(_versions(users)) == 1 and _versions(users) == _versions(main)
    project.run("db", "downgrade", "base")
    assert _versions(users) == [] and "user" not in _tables(users)
    assert "post" not in _tables(main)


@pytest.mark.sqlite
def test_unknown_bind_is_named(tmp_path: Path) -> None:
    main = f"sqlite:///{tmp_path / 'main.db'}"
    project = _write(tmp_path / "proj", main, {"users": f"sqlite:///{tmp_path / 'u.db'}"}, USER)
    project.run("db", "init", "--multidb")
    failed = project.run("db", "upgrade", "--bind", "nope", check=False)
    assert failed.returncode == 1
    assert "There is no database bind named 'nope'" in failed.stderr
