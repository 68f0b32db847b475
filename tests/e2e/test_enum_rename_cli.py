"""``flask db migrate`` keeping the rows of a renamed enum value, through the real command:
--rename-value, the question asked at a terminal, the warning without one, and the flag's
usage errors (exit status 2)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from tests.e2e.test_keeps_data_cli import _at_terminal, _newest, _rows
from tests.project import Project, make_project

pytestmark = pytest.mark.e2e

BEFORE = """
class Ticket(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    state = db.Column(
        db.Enum("open", "draft", name="ticket_state", native_enum=False, create_constraint=True),
        nullable=False,
    )
"""

AFTER = BEFORE.replace('"draft"', '"pending"')

ROWS = [(1, "open"), (2, "draft"), (3, "draft")]


def _filled(tmp_path: Path, url: str) -> Project:
    project = make_project(tmp_path / "proj", url, models=BEFORE)
    project.run("db", "init")
    project.run("db", "migrate", "-m", "tickets")
    project.run("db", "upgrade")
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    with engine.begin() as conn:
        tickets = sa.table("ticket", sa.column("id"), sa.column("state"))
        conn.execute(tickets.insert(), [{"id": id_, "state": state} for id_, state in ROWS])
    engine.dispose()
    return make_project(project.path, url, models=AFTER)


def _renamed() -> list[tuple[Any, ...]]:
    return [(id_, "pending" if state == "draft" else state) for id_, state in ROWS]


def test_rename_value_flag_keeps_the_rows(tmp_path: Path, database_url: str) -> None:
    project = _filled(tmp_path, database_url)
    flag = ["--rename-value", "ticket.state:draft:pending"]
    out = project.run("db", "migrate", "-m", "pending", "--no-input", *flag)
    assert (
        "Detected renamed values of enum column 'ticket.state': 'draft' to 'pending'"
        in out.stderr.splitlines()
    )
    assert "Warning" not in out.stderr
    project.run("db", "upgrade")
    query = "SELECT id, state FROM ticket ORDER BY id"
    assert _rows(database_url, query) == _renamed()
    assert project.run("db", "check").stdout == "No new upgrade operations detected.\n"
    project.run("db", "downgrade")
    assert _rows(database_url, query) == ROWS


@pytest.mark.sqlite
def test_question_at_a_terminal(tmp_path: Path, sqlite_url: str) -> None:
    project = _filled(tmp_path, sqlite_url)
    code, output = _at_terminal(project, ["db", "migrate", "-m", "pending"], ["y"])
    assert code == 0, output
    assert "Was value 'draft' of enum column ticket.state renamed to 'pending'? [y/N] y\n" in (
        output
    )
    project.run("db", "upgrade")
    assert _rows(sqlite_url, "SELECT id, state FROM ticket ORDER BY id") == _renamed()


@pytest.mark.sqlite
def test_without_a_terminal_a_warning_gives_the_rows_and_the_flag(
    tmp_path: Path, sqlite_url: str
) -> None:
    project = _filled(tmp_path, sqlite_url)
    lines = project.run("db", "migrate", "-m", "pending").stderr.splitlines()
    assert (
        "Warning: Enum column 'ticket.state' loses values ['draft'], and 2 rows hold them: the "
        "database refuses the change or empties those values; update or delete those rows "
        "before you upgrade."
    ) in lines
    assert (
        "To keep the data of what was renamed, run 'flask db migrate' in a terminal and answer "
        "its questions, or pass --rename-value ticket.state:draft:pending."
    ) in lines
    assert "UPDATE" not in _newest(project).read_text()


@pytest.mark.sqlite
@pytest.mark.parametrize(
    ("value", "message"),
    [
        (
            "ticket.state:draft",
            "Error: --rename-value 'ticket.state:draft' is not of the form ENUM:old:new, ENUM "
            "being the enum type's name or table.column (e.g. --rename-value "
            "status:draft:pending).",
        ),
        (
            "ticket.state::pending",
            "Error: --rename-value 'ticket.state::pending' is not of the form ENUM:old:new,",
        ),
        (
            "ticket.state:draft:draft",
            "Error: --rename-value 'ticket.state:draft:draft' names the same value twice; give "
            "the old value, then the new one.",
        ),
        (
            "ticket.state:drafts:pending",
            "Error: --rename-value ticket.state:drafts:pending cannot be applied: no enum "
            "ticket.state loses value 'drafts' and gains 'pending'; name the enum type (or "
            "table.column), a value the database has that the models dropped, then the one "
            "they added.",
        ),
        (
            "ticket_state:draft:pending",
            "Error: --rename-value ticket_state:draft:pending cannot be applied: no enum "
            "ticket_state loses value 'draft' and gains 'pending';",
        ),
    ],
)
def test_rename_value_that_cannot_be_used_exits_2(
    tmp_path: Path, sqlite_url: str, value: str, message: str
) -> None:
    project = _filled(tmp_path, sqlite_url)
    files = project.revision_files()
    result = project.run("db", "migrate", "--rename-value", value, check=False)
    assert result.returncode == 2, result.output
    assert result.stderr.splitlines()[-1].startswith(message), result.stderr
    assert "Traceback" not in result.output
    assert project.revision_files() == files


@pytest.mark.sqlite
def test_rename_value_needs_autogenerate(tmp_path: Path, sqlite_url: str) -> None:
    project = _filled(tmp_path, sqlite_url)
    result = project.run("db", "revision", "--rename-value", "a:b:c", check=False)
    assert result.returncode == 2, result.output
    assert "answer autogenerate's questions; add --autogenerate" in result.stderr
