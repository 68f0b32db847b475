"""Enum values changed through the ``flask db`` commands, on a table that holds rows, on
SQLite (a CHECK constraint), PostgreSQL (an enum type) and MariaDB (an ENUM column)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.autogenerate.harness import Workbench, schema_differences
from tests.project import make_project

BEFORE = """
class Ticket(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    title = db.Column(db.String(40), nullable=False)
    state = db.Column(
        db.Enum("open", "closed", "stale", name="ticket_state", create_constraint=True),
        nullable=False,
    )
"""

AFTER = BEFORE.replace('"open", "closed", "stale"', '"new", "open", "review", "closed"')

ROWS = [
    {"id": 1, "title": "first", "state": "open"},
    {"id": 2, "title": "second", "state": "closed"},
    {"id": 3, "title": "third", "state": "open"},
]


@pytest.mark.e2e
def test_enum_values_changed_with_rows(tmp_path: Path, database_url: str) -> None:
    project = make_project(tmp_path / "proj", database_url, models=BEFORE)
    bench = Workbench(project.path, database_url)
    project.run("db", "init")
    project.run("db", "migrate", "-m", "tickets")
    project.run("db", "upgrade")
    bench.insert({"ticket": ROWS})
    schema_before = bench.snapshot()
    rows_before = bench.select("ticket", ["id", "title", "state"])

    make_project(tmp_path / "proj", database_url, models=AFTER)
    migrate = project.run("db", "migrate", "-m", "states")
    assert "Enum" in migrate.stderr and "loses values ['stale']; no row holds them now" in (
        migrate.stderr
    ), migrate.stderr
    match = re.search(r"^Generating (\S+\.py) \.\.\.  done$", migrate.stderr, re.MULTILINE)
    assert match, migrate.stderr
    compile(Path(match.group(1)).read_text(), "revision", "exec")

    project.run("db", "upgrade")
    assert bench.select("ticket", ["id", "title", "state"]) == rows_before
    check = project.run("db", "check")
    assert check.stdout.strip() == "No new upgrade operations detected."
    bench.insert({"ticket": [{"id": 4, "title": "fourth", "state": "review"}]})
    assert bench.select("ticket", ["id", "state"])[-1] == (4, "review")

    # The earlier schema cannot hold 'review': that row goes before the downgrade.
    engine = bench.engine()
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql("DELETE FROM ticket WHERE id = 4")
    finally:
        engine.dispose()
    project.run("db", "downgrade")
    assert schema_differences(bench.snapshot(), schema_before) == []
    assert bench.select("ticket", ["id", "title", "state"]) == rows_before
