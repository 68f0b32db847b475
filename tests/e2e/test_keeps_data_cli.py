"""``flask db migrate`` keeping data, through the real command: --rename, --rename-table,
--default, --no-input, the questions asked at a terminal, and the exit statuses (2 for a
flag that cannot be used, 3 for a value that is needed and cannot be asked for)."""

from __future__ import annotations

import os
import pty
import re
import select
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from tests.project import HANG, Project, make_project

pytestmark = pytest.mark.e2e

BEFORE = """
class User(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    name = db.Column(db.String(50), nullable=False)
    nick = db.Column(db.String(20))
"""

RENAMED = """
class User(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    full_name = db.Column(db.String(50), nullable=False)
    nick = db.Column(db.String(20))
"""

RENAMED_TABLE = """
class Account(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    name = db.Column(db.String(50), nullable=False)
    nick = db.Column(db.String(20))
"""

NICKNAME = """
class User(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    name = db.Column(db.String(50), nullable=False)
    nickname = db.Column(db.String(20))
"""

REQUIRED = """
class User(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    name = db.Column(db.String(50), nullable=False)
    nick = db.Column(db.String(20))
    age = db.Column(db.Integer, nullable=False)
"""

ROWS = [(1, "Ann", None), (2, "Bob", "b"), (3, "Cy", "c")]


def _rows(url: str, sql: str) -> list[tuple[Any, ...]]:
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            return [tuple(row) for row in conn.execute(sa.text(sql))]
    finally:
        engine.dispose()


def _filled(tmp_path: Path, url: str) -> Project:
    project = make_project(tmp_path / "proj", url, models=BEFORE)
    project.run("db", "init")
    project.run("db", "migrate", "-m", "users")
    project.run("db", "upgrade")
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    with engine.begin() as conn:
        users = sa.table("user", sa.column("id"), sa.column("name"), sa.column("nick"))
        values = [dict(zip(("id", "name", "nick"), row, strict=True)) for row in ROWS]
        conn.execute(users.insert(), values)
    engine.dispose()
    return project


def _newest(project: Project) -> Path:
    return max(project.revision_files(), key=lambda path: path.stat().st_mtime_ns)


def _models(project: Project, models: str) -> Project:
    return make_project(project.path, project.url, models=models)


def test_rename_flags_keep_the_rows(tmp_path: Path, database_url: str) -> None:
    project = _models(_filled(tmp_path, database_url), RENAMED)
    out = project.run("db", "migrate", "-m", "rename", "--rename", "user.name:user.full_name")
    assert "Detected renamed column 'user.name' to 'user.full_name'" in out.stderr.splitlines()
    project.run("db", "upgrade")
    query = "SELECT id, full_name, nick FROM {} ORDER BY id"
    quote = '"user"' if not database_url.startswith("mysql") else "`user`"
    assert _rows(database_url, query.format(quote)) == ROWS
    assert project.run("db", "check").stdout == "No new upgrade operations detected.\n"
    project.run("db", "downgrade")
    assert _rows(database_url, f"SELECT id, name, nick FROM {quote} ORDER BY id") == ROWS
    _newest(project).unlink()

    project = _models(project, RENAMED_TABLE)
    project.run("db", "revision", "--autogenerate", "-m", "table", "--rename-table", "user:account")
    project.run("db", "upgrade")
    assert _rows(database_url, "SELECT id, name, nick FROM account ORDER BY id") == ROWS
    assert project.run("db", "check").returncode == 0
    project.run("db", "downgrade")
    assert _rows(database_url, f"SELECT id, name, nick FROM {quote} ORDER BY id") == ROWS


def test_default_flag_fills_the_rows(tmp_path: Path, database_url: str) -> None:
    project = _models(_filled(tmp_path, database_url), REQUIRED)
    project.run("db", "migrate", "-m", "age", "--no-input", "--default", "user.age=id * 10")
    project.run("db", "upgrade")
    quote = '"user"' if not database_url.startswith("mysql") else "`user`"
    assert _rows(database_url, f"SELECT id, name, nick, age FROM {quote} ORDER BY id") == [
        (*row, row[0] * 10) for row in ROWS
    ]
    assert project.run("db", "check").returncode == 0
    project.run("db", "downgrade")
    assert _rows(database_url, f"SELECT id, name, nick FROM {quote} ORDER BY id") == ROWS


@pytest.mark.sqlite
def test_no_input_without_a_value_exits_3(tmp_path: Path, sqlite_url: str) -> None:
    project = _models(_filled(tmp_path, sqlite_url), REQUIRED)
    files = project.revision_files()
    result = project.run("db", "migrate", "--no-input", check=False)
    assert result.returncode == 3, result.output
    assert result.stderr.splitlines()[-1] == (
        "Error: Column user.age needs a value for the 3 rows of the database that it is added "
        "to before it can be NOT NULL; run 'flask db migrate' in a terminal to be asked for "
        "one, or pass --default user.age=VALUE."
    )
    assert "Traceback" not in result.output
    assert project.revision_files() == files
    # Without a terminal, and without --no-input, the same.
    assert project.run("db", "migrate", check=False).returncode == 3


@pytest.mark.sqlite
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("--rename", "user.name"),
            "Error: --rename 'user.name' is not of the form table.old:table.new (one table, "
            "e.g. --rename user.name:user.full_name).",
        ),
        (
            ("--rename", "user.name:account.full_name"),
            "Error: --rename 'user.name:account.full_name' is not of the form "
            "table.old:table.new (one table, e.g. --rename user.name:user.full_name).",
        ),
        (
            ("--rename-table", "user"),
            "Error: --rename-table 'user' is not of the form old:new (e.g. --rename-table "
            "user:account).",
        ),
        (
            ("--default", "age=1"),
            "Error: --default 'age=1' is not of the form table.column=VALUE (SQL, e.g. "
            "--default user.age=0 or --default \"user.nick='n/a'\").",
        ),
        (
            ("--rename", "user.nme:user.full_name"),
            "Error: --rename user.nme:user.full_name cannot be applied: the database has no "
            "column user.nme that the models no longer have; name a column the database has "
            "and the models dropped, then the one they added.",
        ),
        (
            ("--rename", "user.name:user.fullname"),
            "Error: --rename user.name:user.fullname cannot be applied: the models have no "
            "column user.fullname; name a column the database has and the models dropped, "
            "then the one they added.",
        ),
        (
            ("--rename-table", "usr:account"),
            "Error: --rename-table usr:account cannot be applied: the models have no table "
            "account; name a table the database has and the models dropped, then the one they "
            "added.",
        ),
        (
            ("--default", "user.agee=1"),
            "Error: --default user.agee=... names no column of the models; give table.column "
            "of a column the models declare.",
        ),
        (
            ("--default", "user.full_name=no_such(1"),
            "Error: --default user.full_name=no_such(1 cannot be read by the database",
        ),
    ],
)
def test_flags_that_cannot_be_used_exit_2(
    tmp_path: Path, sqlite_url: str, args: tuple[str, ...], message: str
) -> None:
    project = _models(_filled(tmp_path, sqlite_url), RENAMED)
    files = project.revision_files()
    result = project.run("db", "migrate", *args, check=False)
    assert result.returncode == 2, result.output
    assert result.stderr.splitlines()[-1].startswith(message), result.stderr
    assert "Traceback" not in result.output
    assert project.revision_files() == files


@pytest.mark.sqlite
def test_rename_flags_need_autogenerate(tmp_path: Path, sqlite_url: str) -> None:
    project = _filled(tmp_path, sqlite_url)
    result = project.run("db", "revision", "--rename", "user.a:user.b", check=False)
    assert result.returncode == 2, result.output
    assert result.stderr.splitlines()[-1] == (
        "Error: --rename, --rename-table and --default answer autogenerate's questions; add "
        "--autogenerate or leave them out."
    )


@pytest.mark.sqlite
def test_without_a_terminal_a_rename_is_a_drop_and_an_add_with_a_warning(
    tmp_path: Path, sqlite_url: str
) -> None:
    project = _models(_filled(tmp_path, sqlite_url), NICKNAME)
    result = project.run("db", "migrate", "-m", "nickname")
    lines = result.stderr.splitlines()
    assert "Detected removed column 'user.nick'" in lines
    assert (
        "Warning: The migration drops column 'user.nick' with the 2 values it holds and adds "
        "'user.nickname' empty; if the column was renamed, its data is lost."
    ) in lines
    assert (
        "To keep the data of what was renamed, run 'flask db migrate' in a terminal and answer "
        "its questions, or pass --rename user.nick:user.nickname."
    ) in lines


def _at_terminal(project: Project, args: list[str], answers: list[str]) -> tuple[int, str]:
    """Run ``flask <args>`` with a terminal as its input; each answer is typed once the
    output so far ends with a question."""
    leader, follower = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "app", *args],
        cwd=project.path,
        env=project.env(),
        stdin=follower,
        stdout=follower,
        stderr=follower,
        close_fds=True,
    )
    os.close(follower)
    output = b""
    pending = list(answers)
    deadline = time.monotonic() + HANG
    while time.monotonic() < deadline:
        ready, _, _ = select.select([leader], [], [], 1.0)
        if ready:
            try:
                chunk = os.read(leader, 4096)
            except OSError:
                break
            if not chunk:
                break
            output += chunk
            if pending and re.search(rb"(\[y/N\] |: )$", output):
                os.write(leader, pending.pop(0).encode() + b"\n")
        elif proc.poll() is not None:
            break
    code = proc.wait(timeout=HANG)
    os.close(leader)
    return code, output.decode().replace("\r\n", "\n")


@pytest.mark.sqlite
def test_questions_at_a_terminal(tmp_path: Path, sqlite_url: str) -> None:
    project = _models(_filled(tmp_path, sqlite_url), RENAMED)
    # check never asks.
    code, output = _at_terminal(project, ["db", "check"], [])
    assert code == 1 and "renamed to" not in output, output
    code, output = _at_terminal(project, ["db", "migrate", "-m", "rename"], ["y"])
    assert code == 0, output
    assert "Was user.name renamed to user.full_name? [y/N] y\n" in output
    project.run("db", "upgrade")
    assert _rows(sqlite_url, 'SELECT id, full_name, nick FROM "user" ORDER BY id') == ROWS
    project.run("db", "downgrade")
    _newest(project).unlink()

    project = _models(project, REQUIRED)
    code, output = _at_terminal(project, ["db", "migrate", "-m", "age"], ["oops(", "id + 1"])
    assert code == 0, output
    assert "Column user.age is added NOT NULL to a table with 3 rows.\n" in output
    assert "The database cannot read oops(: " in output
    project.run("db", "upgrade")
    assert _rows(sqlite_url, 'SELECT id, age FROM "user" ORDER BY id') == [(1, 2), (2, 3), (3, 4)]
