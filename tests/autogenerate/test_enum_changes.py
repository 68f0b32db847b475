"""Enum values changed on tables that hold rows, migrated up and down on each database.

PostgreSQL's enum types: values added in their place (``BEFORE``/``AFTER``), removed or
reordered (the type made again, columns converted with ``USING``), a type renamed, and an
upgrade refused while rows hold a value the type loses. MariaDB's ``ENUM`` columns, and
non-native enums (a text column and its CHECK constraint) on SQLite, PostgreSQL and MariaDB.
Each time: rows before ``migrate``; after ``upgrade`` the rows and their values are all there;
``check`` is clean; ``downgrade`` brings back the schema and the rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from tests.autogenerate.harness import Build, Rows, Workbench, schema_differences
from tests.cli_runner import invoke


def ticket(
    values: Sequence[str],
    *,
    name: str = "ticket_state",
    default: str | None = None,
    native: bool = True,
    check: bool = False,
    with_note: bool = False,
    with_history: bool = False,
) -> Build:
    """A ``ticket`` table whose ``state`` is an enum of ``values`` (and a ``note`` table
    sharing the type, with ``with_note``; a ``history`` table with an array of it, with
    ``with_history``)."""

    def state_type() -> sa.Enum:
        return sa.Enum(*values, name=name, native_enum=native, create_constraint=check)

    def build(md: sa.MetaData, dialect: str) -> None:
        sa.Table(
            "ticket",
            md,
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("title", sa.String(40), nullable=False),
            sa.Column("state", state_type(), nullable=False, server_default=default),
        )
        if with_note:
            sa.Table(
                "note",
                md,
                sa.Column("id", sa.Integer, primary_key=True),
                sa.Column("state", state_type()),
            )
        if with_history:
            sa.Table(
                "history",
                md,
                sa.Column("id", sa.Integer, primary_key=True),
                sa.Column("states", sa.ARRAY(state_type())),
            )

    return build


TICKETS: list[dict[str, Any]] = [
    {"id": 1, "title": "first", "state": "open"},
    {"id": 2, "title": "second", "state": "closed"},
    {"id": 3, "title": "it's third", "state": "open"},
]
NOTES: list[dict[str, Any]] = [{"id": 1, "state": "closed"}, {"id": 2, "state": None}]


def _values(bench: Workbench, rows: Rows) -> dict[str, Any]:
    return {table: bench.select(table, list(items[0])) for table, items in rows.items()}


def _labels(bench: Workbench, name: str) -> list[str]:
    engine = bench.engine()
    try:
        with engine.connect() as conn:
            enums = sa.inspect(conn).get_enums()  # type: ignore[attr-defined]
    finally:
        engine.dispose()
    return next((list(e["labels"]) for e in enums if e["name"] == name), [])


def _revision_text(bench: Workbench) -> str:
    newest = max((bench.folder / "versions").glob("*.py"), key=lambda p: p.stat().st_mtime_ns)
    return newest.read_text()


def _roundtrip(
    bench: Workbench,
    before: Build,
    after: Build,
    rows: Rows,
    *,
    options: dict[str, Any] | None = None,
) -> tuple[list[str], str]:
    """Migrate ``before`` with ``rows``, then ``after`` up and down; returns the migrate
    report of the second revision and its text."""
    options = options or {}
    bench.init()
    assert bench.migrate(before, "before", **options) is not None
    bench.upgrade(before)
    bench.insert(rows)
    schema_before = bench.snapshot()
    values_before = _values(bench, rows)

    del bench.lines[:]
    assert bench.migrate(after, "after", **options) is not None, bench.lines
    report = list(bench.lines)
    text = _revision_text(bench)
    bench.upgrade(after)
    assert _values(bench, rows) == values_before
    assert bench.check(after, **options) == []

    bench.downgrade(after)
    assert schema_differences(bench.snapshot(), schema_before) == []
    assert _values(bench, rows) == values_before
    return report, text


# --- PostgreSQL enum types ---------------------------------------------------------------------


@pytest.mark.postgresql
def test_postgresql_values_added_in_their_place(postgresql_url: str, tmp_path: Path) -> None:
    bench = Workbench(tmp_path, postgresql_url)
    wanted = ["new", "open", "review", "closed", "done"]
    report, text = _roundtrip(
        bench, ticket(["open", "closed"]), ticket(wanted), {"ticket": TICKETS}
    )
    assert "Detected new values ['new', 'review', 'done'] of enum type 'ticket_state'" in report
    assert "ADD VALUE IF NOT EXISTS 'new' BEFORE 'open'" in text
    assert "ADD VALUE IF NOT EXISTS 'review' AFTER 'open'" in text
    assert "ADD VALUE IF NOT EXISTS 'done' AFTER 'closed'" in text
    # PostgreSQL 12 and later add values inside the migration's transaction.
    assert "autocommit_block" not in text
    assert _labels(bench, "ticket_state") == ["open", "closed"]  # downgraded

    bench.upgrade(ticket(wanted))
    assert _labels(bench, "ticket_state") == wanted
    bench.insert({"ticket": [{"id": 4, "title": "fourth", "state": "review"}]})
    assert bench.select("ticket", ["id", "state"])[-1] == (4, "review")


@pytest.mark.postgresql
def test_postgresql_values_with_quotes_and_colons(postgresql_url: str, tmp_path: Path) -> None:
    bench = Workbench(tmp_path, postgresql_url)
    wanted = ["open", ":night", "it's", "closed"]
    _roundtrip(bench, ticket(["open", "closed"]), ticket(wanted), {"ticket": TICKETS})
    bench.upgrade(ticket(wanted))
    assert _labels(bench, "ticket_state") == wanted
    bench.insert({"ticket": [{"id": 4, "title": "fourth", "state": ":night"}]})
    assert bench.select("ticket", ["id", "state"])[-1] == (4, ":night")


@pytest.mark.postgresql
def test_postgresql_new_value_used_by_a_default_is_committed_first(
    postgresql_url: str, tmp_path: Path
) -> None:
    bench = Workbench(tmp_path, postgresql_url)
    report, text = _roundtrip(
        bench,
        ticket(["open", "closed"], default="open"),
        ticket(["open", "triage", "closed"], default="triage"),
        {"ticket": TICKETS},
        options={"compare_server_default": True},
    )
    assert "Detected server default on column 'ticket.state'" in report
    assert "with op.get_context().autocommit_block():" in text
    assert "ADD VALUE IF NOT EXISTS 'triage' AFTER 'open'" in text


@pytest.mark.postgresql
def test_postgresql_removed_value_remakes_the_type(postgresql_url: str, tmp_path: Path) -> None:
    bench = Workbench(tmp_path, postgresql_url)
    report, text = _roundtrip(
        bench,
        ticket(["open", "closed", "stale"], default="open", with_note=True),
        ticket(["open", "closed"], default="open", with_note=True),
        {"ticket": TICKETS, "note": NOTES},
        options={"compare_server_default": True},
    )
    assert (
        "Detected changed values of enum type 'ticket_state': "
        "['open', 'closed', 'stale'] to ['open', 'closed']"
    ) in report
    assert (
        "Warning: Enum type 'ticket_state' loses values ['stale']; no row holds them now. The "
        "upgrade makes the type again and stops if a row holds one of them by then."
    ) in report
    assert "ALTER TYPE ticket_state RENAME TO ticket_state_old" in text
    assert (
        "ALTER TABLE note ALTER COLUMN state TYPE ticket_state USING state::text::ticket_state"
        in text
    )
    assert "ALTER TABLE ticket ALTER COLUMN state SET DEFAULT 'open'::ticket_state" in text
    # The downgrade gives the value back in its place.
    assert "ADD VALUE IF NOT EXISTS 'stale' AFTER 'closed'" in text
    assert _labels(bench, "ticket_state") == ["open", "closed", "stale"]


@pytest.mark.postgresql
def test_postgresql_array_columns_are_converted(postgresql_url: str, tmp_path: Path) -> None:
    bench = Workbench(tmp_path, postgresql_url)
    rows: Rows = {
        "ticket": TICKETS,
        "history": [{"id": 1, "states": ["open", "closed"]}, {"id": 2, "states": []}],
    }
    _report, text = _roundtrip(
        bench,
        ticket(["open", "closed", "stale"], with_history=True),
        ticket(["closed", "open"], with_history=True),
        rows,
    )
    assert "of history.states, ticket.state hold values that enum type ticket_state loses" in text
    assert (
        "ALTER TABLE history ALTER COLUMN states TYPE ticket_state[] "
        "USING states::text[]::ticket_state[]"
    ) in text
    bench.upgrade(ticket(["closed", "open"], with_history=True))
    assert _labels(bench, "ticket_state") == ["closed", "open"]
    # The driver gives arrays of an enum type in PostgreSQL's text form.
    assert bench.select("history", ["id", "states"]) == [(1, "{open,closed}"), (2, "{}")]


@pytest.mark.postgresql
def test_postgresql_reordered_values(postgresql_url: str, tmp_path: Path) -> None:
    bench = Workbench(tmp_path, postgresql_url)
    report, text = _roundtrip(
        bench, ticket(["open", "closed"]), ticket(["closed", "open"]), {"ticket": TICKETS}
    )
    assert "DO $$" not in text  # nothing is lost, so nothing to check
    assert _labels(bench, "ticket_state") == ["open", "closed"]
    bench.upgrade(ticket(["closed", "open"]))
    assert _labels(bench, "ticket_state") == ["closed", "open"]


@pytest.mark.postgresql
def test_postgresql_renamed_type(postgresql_url: str, tmp_path: Path) -> None:
    bench = Workbench(tmp_path, postgresql_url)
    values = ["open", "closed"]
    report, text = _roundtrip(
        bench,
        ticket(values, with_note=True),
        ticket(values, name="ticket_status", with_note=True),
        {"ticket": TICKETS, "note": NOTES},
    )
    detected = [line for line in report if line.startswith("Detected")]
    assert detected == ["Detected renamed enum type 'ticket_state' to 'ticket_status'"]
    assert "ALTER TYPE ticket_state RENAME TO ticket_status" in text
    assert "ALTER TYPE ticket_status RENAME TO ticket_state" in text
    assert "alter_column" not in text


@pytest.mark.postgresql
def test_postgresql_upgrade_refused_while_rows_hold_a_removed_value(
    postgresql_url: str, tmp_path: Path
) -> None:
    bench = Workbench(tmp_path, postgresql_url)
    before = ticket(["open", "closed", "stale"], with_note=True)
    after = ticket(["open", "done"], with_note=True)
    bench.init()
    bench.migrate(before, "before")
    bench.upgrade(before)
    rows: Rows = {
        "ticket": [*TICKETS, {"id": 4, "title": "old", "state": "stale"}],
        "note": [{"id": 1, "state": "stale"}, {"id": 2, "state": "open"}],
    }
    bench.insert(rows)
    del bench.lines[:]
    bench.migrate(after, "after")
    assert (
        "Warning: Enum type 'ticket_state' loses values ['closed', 'stale'], and 3 rows hold "
        "them (note.state: 1, ticket.state: 2): the upgrade stops without changing anything "
        "until they are updated or deleted."
    ) in bench.lines
    schema = bench.snapshot()
    values = _values(bench, rows)

    result = invoke(bench.app(after), ["db", "upgrade"])
    assert result.exit_code == 1, result.output
    assert (
        "3 rows of note.state, ticket.state hold values that enum type ticket_state loses "
        "(closed, stale): update or delete them, then run the migration again."
    ) in result.stderr
    assert "Traceback" not in result.output
    assert schema_differences(bench.snapshot(), schema) == []
    assert _values(bench, rows) == values

    engine = bench.engine()
    try:
        with engine.begin() as conn:
            conn.execute(sa.text("DELETE FROM note WHERE state = 'stale'"))
            conn.execute(sa.text("UPDATE ticket SET state = 'open'"))
    finally:
        engine.dispose()
    bench.upgrade(after)
    assert _labels(bench, "ticket_state") == ["open", "done"]
    assert bench.check(after) == []


# --- MariaDB ENUM columns ------------------------------------------------------------------


@pytest.mark.mysql
def test_mysql_enum_column_values_changed(mysql_url: str, tmp_path: Path) -> None:
    bench = Workbench(tmp_path, mysql_url)
    report, text = _roundtrip(
        bench,
        ticket(["open", "closed", "stale"]),
        ticket(["new", "open", "closed"]),
        {"ticket": TICKETS},
    )
    assert (
        "Warning: Enum column 'ticket.state' loses values ['stale']; no row holds them now."
        in report
    )
    assert "type_=sa.Enum('new', 'open', 'closed', name='ticket_state')" in text


@pytest.mark.mysql
def test_mysql_removed_value_held_by_rows_is_a_warning(mysql_url: str, tmp_path: Path) -> None:
    bench = Workbench(tmp_path, mysql_url)
    bench.init()
    before = ticket(["open", "closed"])
    bench.migrate(before, "before")
    bench.upgrade(before)
    bench.insert({"ticket": TICKETS})
    del bench.lines[:]
    bench.migrate(ticket(["open", "done"]), "after")
    assert (
        "Warning: Enum column 'ticket.state' loses values ['closed'], and 1 row holds them: the "
        "database refuses the change or empties those values; update or delete those rows "
        "before you upgrade."
    ) in bench.lines


# --- non-native enums: a CHECK constraint ------------------------------------------------------


@pytest.mark.parametrize("new", ["archived", "later"])  # a longer column, the same length
@pytest.mark.parametrize(
    "dialect",
    [
        pytest.param("sqlite", marks=pytest.mark.sqlite),
        pytest.param("postgresql", marks=pytest.mark.postgresql),
        pytest.param("mysql", marks=pytest.mark.mysql),
    ],
)
def test_non_native_enum_check_follows_the_values(
    dialect: str, new: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    url = str(request.getfixturevalue(f"{dialect}_url"))
    bench = Workbench(tmp_path, url)
    before = ticket(["open", "closed", "stale"], native=False, check=True)
    after = ticket(["open", "closed", new], native=False, check=True)
    report, text = _roundtrip(bench, before, after, {"ticket": TICKETS})
    assert (
        "Detected changed values of enum column 'ticket.state': check constraint 'ticket_state'"
        in report
    )
    assert (
        "Warning: Enum column 'ticket.state' loses values ['stale']; no row holds them now."
        in report
    )

    bench.upgrade(after)
    bench.insert({"ticket": [{"id": 4, "title": "fourth", "state": new}]})
    engine = bench.engine()
    try:
        with pytest.raises(sa.exc.DBAPIError), engine.begin() as conn:
            conn.execute(sa.text("INSERT INTO ticket (id, title, state) VALUES (5, 'x', 'stale')"))
    finally:
        engine.dispose()
    assert bench.select("ticket", ["id", "state"])[-1] == (4, new)
