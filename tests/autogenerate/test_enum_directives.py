"""PostgreSQL enum type directives without a database: their reverses, and the SQL they
render, run offline (``--sql``) as a revision file would run it."""

from __future__ import annotations

import io

from sqlalchemy.dialects import postgresql

from flask_migrate_lite.engine.autogenerate.directives import (
    EnumColumn,
    EnumTypeOp,
    UpgradeOps,
    recreate_or_add,
)
from flask_migrate_lite.engine.autogenerate.render import RenderOptions, render_upgrade
from flask_migrate_lite.engine.config import RunOptions
from flask_migrate_lite.engine.operations.api import Operations
from flask_migrate_lite.engine.runtime.context import MigrationContext
from tests.unit.test_render import run_body

COLUMNS = (
    EnumColumn("ticket", "state", default="'open'::mood"),
    EnumColumn("log", "moods", schema="audit", array=True),
)


def offline(*directives: EnumTypeOp) -> list[str]:
    """The statements the rendered upgrade writes to a PostgreSQL script."""
    body = render_upgrade(UpgradeOps(list(directives)), RenderOptions(), set())
    output = io.StringIO()
    dialect = postgresql.dialect()
    context = MigrationContext(None, RunOptions(as_sql=True), dialect=dialect, output=output)
    run_body(Operations(context), body)
    return [line.strip() for line in output.getvalue().split(";\n") if line.strip()]


def test_added_values_keep_the_order_and_the_reverse_remakes_the_type() -> None:
    change = recreate_or_add(
        "mood", ("new", "calm", "meh", "busy"), ("calm", "busy"), None, (), False
    )
    assert change == EnumTypeOp(
        "add_values",
        "mood",
        ("new", "meh"),
        target=("new", "calm", "meh", "busy"),
        autocommit=False,
    )
    assert offline(change) == [
        "ALTER TYPE mood ADD VALUE IF NOT EXISTS 'new' BEFORE 'calm'",
        "ALTER TYPE mood ADD VALUE IF NOT EXISTS 'meh' AFTER 'calm'",
    ]
    undo = change.reverse()
    assert undo.action == "recreate"
    assert (undo.values, undo.previous) == (("calm", "busy"), ("new", "calm", "meh", "busy"))
    assert undo.reverse() == change


def test_values_committed_on_their_own_when_the_server_needs_it() -> None:
    change = recreate_or_add("mood", ("calm", "busy"), ("calm",), None, (), True)
    assert offline(change) == [
        "COMMIT",
        "ALTER TYPE mood ADD VALUE IF NOT EXISTS 'busy' AFTER 'calm'",
        "BEGIN",
    ]


def test_removed_value_remakes_the_type_after_a_check() -> None:
    change = recreate_or_add(
        "mood", ("calm", "busy"), ("calm", "sad", "busy"), None, COLUMNS, False
    )
    assert change.action == "recreate"
    statements = offline(change)
    check = statements[0]
    assert check.startswith("DO $$ DECLARE n bigint; BEGIN SELECT ")
    assert "(SELECT count(*) FROM ticket WHERE state::text IN ('sad'))" in check
    assert "(SELECT count(*) FROM audit.log WHERE moods::text[] && ARRAY['sad']::text[])" in check
    assert (
        "' of ticket.state, audit.log.moods hold values that enum type mood loses (sad): "
        "update or delete them, then run the migration again.'"
    ) in check
    assert statements[1:] == [
        "ALTER TYPE mood RENAME TO mood_old",
        "CREATE TYPE mood AS ENUM ('calm', 'busy')",
        "ALTER TABLE ticket ALTER COLUMN state DROP DEFAULT",
        "ALTER TABLE ticket ALTER COLUMN state TYPE mood USING state::text::mood",
        "ALTER TABLE ticket ALTER COLUMN state SET DEFAULT 'open'::mood",
        "ALTER TABLE audit.log ALTER COLUMN moods TYPE mood[] USING moods::text[]::mood[]",
        "DROP TYPE mood_old",
    ]
    # The downgrade puts the value back where it was.
    assert offline(change.reverse()) == [
        "ALTER TYPE mood ADD VALUE IF NOT EXISTS 'sad' AFTER 'calm'"
    ]


def test_renamed_type_and_its_reverse() -> None:
    rename = EnumTypeOp("rename", "mood", ("calm",), "app", new_name="Feeling")
    assert offline(rename, rename.reverse()) == [
        'ALTER TYPE app.mood RENAME TO "Feeling"',
        'ALTER TYPE app."Feeling" RENAME TO mood',
    ]


def test_colons_are_not_taken_for_parameters() -> None:
    change = recreate_or_add("mood", ("calm", ":x", "a :b"), ("calm",), None, (), False)
    assert offline(change) == [
        "ALTER TYPE mood ADD VALUE IF NOT EXISTS ':x' AFTER 'calm'",
        "ALTER TYPE mood ADD VALUE IF NOT EXISTS 'a :b' AFTER ':x'",
    ]


def test_renamed_values_in_place_and_back() -> None:
    change = recreate_or_add(
        "mood", ("calm", "glad"), ("calm", "happy"), None, COLUMNS, False, (("happy", "glad"),)
    )
    assert change.action == "rename_values"
    assert offline(change, change.reverse()) == [
        "ALTER TYPE mood RENAME VALUE 'happy' TO 'glad'",
        "ALTER TYPE mood RENAME VALUE 'glad' TO 'happy'",
    ]
    assert change.reverse().reverse() == change


def test_renamed_value_with_another_change_converts_the_rows() -> None:
    columns = (EnumColumn("ticket", "state", default="'happy'::mood"), COLUMNS[1])
    change = recreate_or_add(
        "mood",
        ("glad", "calm"),
        ("calm", "happy", "sad"),
        None,
        columns,
        False,
        (("happy", "glad"),),
    )
    assert change.action == "recreate"
    statements = offline(change)
    assert "state::text IN ('sad')" in statements[0]  # the renamed value is not lost
    assert statements[1:] == [
        "ALTER TYPE mood RENAME TO mood_old",
        "CREATE TYPE mood AS ENUM ('glad', 'calm')",
        "ALTER TABLE ticket ALTER COLUMN state DROP DEFAULT",
        "ALTER TABLE ticket ALTER COLUMN state TYPE mood USING (CASE state::text WHEN 'happy' "
        "THEN 'glad' ELSE state::text END)::mood",
        "ALTER TABLE ticket ALTER COLUMN state SET DEFAULT 'glad'::mood",
        "ALTER TABLE audit.log ALTER COLUMN moods TYPE mood[] USING "
        "array_replace(moods::text[], 'happy', 'glad')::mood[]",
        "DROP TYPE mood_old",
    ]
    back = change.reverse()
    assert (back.action, back.renamed) == ("recreate", (("glad", "happy"),))
    assert "WHEN 'glad' THEN 'happy'" in " ".join(offline(back))
