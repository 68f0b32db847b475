"""Renamed enum values on tables that hold rows, migrated up and down on each database.

A value an enum loses and one it gains are one value renamed when ``--rename-value`` says so
or the developer answers yes at a terminal: PostgreSQL renames it in its type (or makes the
type again, converting the old value to the new one), MariaDB widens its ``ENUM`` column,
updates the rows and narrows it, and a non-native enum's rows are updated between its
CHECK constraint dropped and created again. Each time: rows before ``migrate``; after
``upgrade`` the rows hold the new value; ``check`` is clean; ``downgrade`` brings back the
schema and the old values.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

from flask_migrate_lite import commands
from tests.autogenerate.harness import Build, Rows, Workbench, schema_differences
from tests.autogenerate.test_enum_changes import NOTES, TICKETS, ticket
from tests.autogenerate.test_keeps_data import Answers

DIALECTS = [
    pytest.param("sqlite", marks=pytest.mark.sqlite),
    pytest.param("postgresql", marks=pytest.mark.postgresql),
    pytest.param("mysql", marks=pytest.mark.mysql),
]


def _renamed(rows: Sequence[Mapping[str, Any]], old: str, new: str) -> list[tuple[Any, ...]]:
    return [tuple(new if value == old else value for value in row.values()) for row in rows]


class Run:
    """``before`` migrated and upgraded with rows in its tables."""

    def __init__(self, tmp_path: Path, url: str, before: Build, rows: Rows) -> None:
        self.bench = Workbench(tmp_path, url)
        self.rows = rows
        self.bench.init()
        assert self.bench.migrate(before, "before") is not None
        self.bench.upgrade(before)
        self.bench.insert(rows)
        self.schema = self.bench.snapshot()
        self.values = self.select()

    def select(self) -> dict[str, list[tuple[Any, ...]]]:
        return {
            table: self.bench.select(table, list(items[0])) for table, items in self.rows.items()
        }

    def migrate(self, build: Build, **decisions: Any) -> str:
        del self.bench.lines[:]
        with self.bench.context(build):
            created = commands.migrate(
                self.bench.folder, "after", report=self.bench.report, **decisions
            )
        assert created is not None and created.path is not None, self.bench.lines
        return Path(created.path).read_text()

    def upgrade_check_downgrade(self, build: Build, old: str, new: str) -> None:
        self.bench.upgrade(build)
        expected = {table: _renamed(items, old, new) for table, items in self.rows.items()}
        assert self.select() == expected
        assert self.bench.check(build) == []
        self.bench.downgrade(build)
        assert schema_differences(self.bench.snapshot(), self.schema) == []
        assert self.select() == self.values


def _url(request: pytest.FixtureRequest, dialect: str) -> str:
    return str(request.getfixturevalue(f"{dialect}_url"))


# --- PostgreSQL enum types ---------------------------------------------------------------------


@pytest.mark.postgresql
def test_postgresql_value_renamed_in_its_type(postgresql_url: str, tmp_path: Path) -> None:
    run = Run(
        tmp_path,
        postgresql_url,
        ticket(["open", "closed"], with_note=True),
        {"ticket": TICKETS, "note": NOTES},
    )
    after = ticket(["open", "done"], with_note=True)
    text = run.migrate(after, value_renames=["ticket_state:closed:done"], no_input=True)
    assert (
        "Detected renamed values of enum type 'ticket_state': 'closed' to 'done'" in run.bench.lines
    )
    assert not [line for line in run.bench.lines if line.startswith("Warning")]
    assert "ALTER TYPE ticket_state RENAME VALUE 'closed' TO 'done'" in text
    assert "ALTER TYPE ticket_state RENAME VALUE 'done' TO 'closed'" in text
    assert "RENAME TO ticket_state_old" not in text
    run.upgrade_check_downgrade(after, "closed", "done")


@pytest.mark.postgresql
def test_postgresql_value_renamed_with_other_changes(postgresql_url: str, tmp_path: Path) -> None:
    rows: Rows = {
        "ticket": TICKETS,
        "history": [{"id": 1, "states": "{open,closed}"}, {"id": 2, "states": "{}"}],
    }
    run = Run(
        tmp_path, postgresql_url, ticket(["open", "closed", "stale"], with_history=True), rows
    )
    after = ticket(["new", "open", "done"], with_history=True)
    answers = Answers()
    text = run.migrate(after, asker=answers, value_renames=["ticket_state:stale:new"])
    assert answers.questions == ["Was value 'closed' of enum ticket_state renamed to 'done'?"]
    assert (
        "USING (CASE state::text WHEN 'stale' THEN 'new' WHEN 'closed' THEN 'done' "
        "ELSE state::text END)::ticket_state"
    ) in text
    assert (
        "USING array_replace(array_replace(states::text[], 'stale', 'new'), 'closed', "
        "'done')::ticket_state[]"
    ) in text
    assert "DO $$" not in text.split("def downgrade")[0]  # no value is lost
    run.bench.upgrade(after)
    assert run.bench.select("ticket", ["id", "state"]) == [(1, "open"), (2, "done"), (3, "open")]
    assert run.bench.select("history", ["id", "states"]) == [(1, "{open,done}"), (2, "{}")]
    assert run.bench.check(after) == []
    run.bench.downgrade(after)
    assert schema_differences(run.bench.snapshot(), run.schema) == []
    assert run.select() == run.values


@pytest.mark.postgresql
def test_postgresql_rename_not_asked_is_a_warning(postgresql_url: str, tmp_path: Path) -> None:
    run = Run(tmp_path, postgresql_url, ticket(["open", "closed"]), {"ticket": TICKETS})
    text = run.migrate(ticket(["open", "done"]), no_input=True)
    assert "RENAME VALUE" not in text
    assert (
        "Warning: Enum type 'ticket_state' loses values ['closed'], and 1 row holds them "
        "(ticket.state: 1): the upgrade stops without changing anything until they are "
        "updated or deleted."
    ) in run.bench.lines
    assert (
        "To keep the data of what was renamed, run 'flask db migrate' in a terminal and answer "
        "its questions, or pass --rename-value ticket_state:closed:done."
    ) in run.bench.lines


# --- MariaDB ENUM columns and non-native enums ------------------------------------------------


@pytest.mark.mysql
def test_mysql_enum_column_value_renamed(mysql_url: str, tmp_path: Path) -> None:
    before = ticket(["open", "closed"], default="closed")
    run = Run(tmp_path, mysql_url, before, {"ticket": TICKETS})
    after = ticket(["open", "done"], default="done")
    text = run.migrate(after, value_renames=["ticket.state:closed:done"])
    assert (
        "Detected renamed values of enum column 'ticket.state': 'closed' to 'done'"
        in run.bench.lines
    )
    assert "type_=sa.Enum('open', 'closed', 'done', name='ticket_state')" in text
    assert "UPDATE ticket SET state = 'done' WHERE state = 'closed'" in text
    assert "UPDATE ticket SET state = 'closed' WHERE state = 'done'" in text
    run.upgrade_check_downgrade(after, "closed", "done")


@pytest.mark.parametrize("new", ["finished", "done"])  # a longer column, a shorter one
@pytest.mark.parametrize("dialect", DIALECTS)
def test_non_native_enum_value_renamed(
    dialect: str, new: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    before = ticket(["open", "closed"], native=False, check=True)
    after = ticket(["open", new], native=False, check=True)
    run = Run(tmp_path, _url(request, dialect), before, {"ticket": TICKETS})
    answers = Answers()
    text = run.migrate(after, asker=answers)
    assert answers.questions == [
        f"Was value 'closed' of enum column ticket.state renamed to '{new}'?"
    ]
    assert f"SET state = '{new}' WHERE state = 'closed'" in text
    run.upgrade_check_downgrade(after, "closed", new)


@pytest.mark.parametrize("dialect", DIALECTS)
def test_enum_column_rename_refused_or_not_asked(
    dialect: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    before = ticket(["open", "closed"], native=False, check=True)
    after = ticket(["open", "done"], native=False, check=True)
    run = Run(tmp_path, _url(request, dialect), before, {"ticket": TICKETS})
    answers = Answers(yes=False)
    text = run.migrate(after, asker=answers)
    assert answers.questions == [
        "Was value 'closed' of enum column ticket.state renamed to 'done'?"
    ]
    assert "UPDATE" not in text
    assert not [line for line in run.bench.lines if line.startswith("To keep")]
    # Without a terminal: the same migration, a warning with the rows, and the flag.
    for path in (run.bench.folder / "versions").glob("*_after.py"):
        path.unlink()
    run.migrate(after)
    assert (
        "Warning: Enum column 'ticket.state' loses values ['closed'], and 1 row holds them: "
        "the database refuses the change or empties those values; update or delete those "
        "rows before you upgrade."
    ) in run.bench.lines
    assert (
        "To keep the data of what was renamed, run 'flask db migrate' in a terminal and answer "
        "its questions, or pass --rename-value ticket.state:closed:done."
    ) in run.bench.lines
