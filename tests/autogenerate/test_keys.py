"""Primary keys the database lacks, and foreign keys declared ``use_alter=True``.

A table made by hand without a primary key, whose models declare one, is brought to the
models: the key columns become NOT NULL and the primary key is created; the downgrade
undoes both. Keys the database reports NOT NULL (or SQLite's own primary-key columns) give
no change when they match. New tables whose foreign keys are declared ``use_alter`` get
those keys after the tables exist, on every database, and lose them before the tables go.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from tests.autogenerate.harness import Workbench, schema_differences
from tests.databases import APPLIED_LOG

# --- primary keys --------------------------------------------------------------------------


def _execute(url: str, *statements: str) -> None:
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.begin() as conn:
            for statement in statements:
                conn.exec_driver_sql(statement)
    finally:
        engine.dispose()


def _column(bench: Workbench, table: str, name: str) -> dict[str, Any]:
    engine = bench.engine()
    try:
        with engine.connect() as conn:
            found = (c for c in sa.inspect(conn).get_columns(table) if c["name"] == name)
            return dict(next(found))
    finally:
        engine.dispose()


def gadget(md: sa.MetaData, dialect: str) -> None:
    sa.Table(
        "gadget",
        md,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(20)),
    )


def _detected(bench: Workbench) -> list[str]:
    return [line for line in bench.lines if line.startswith(("Detected", "Warning"))]


def test_missing_primary_key_and_not_null(tmp_path: Path, database_url: str) -> None:
    bench = Workbench(tmp_path, database_url)
    bench.init()
    _execute(
        database_url,
        "CREATE TABLE gadget (id INTEGER, name VARCHAR(20))",
        "INSERT INTO gadget (id, name) VALUES (1, 'one'), (2, 'two')",
    )
    schema_before = bench.snapshot()
    assert schema_before["gadget"]["pk"] == ()

    assert bench.check(gadget) == [
        "Detected NOT NULL on column 'gadget.id'",
        "Detected added primary key (id) on table 'gadget'",
    ]
    assert bench.migrate(gadget, "keys") is not None
    assert _detected(bench) == [
        "Detected NOT NULL on column 'gadget.id'",
        "Detected added primary key (id) on table 'gadget'",
    ]
    source = next((bench.folder / "versions").glob("*.py")).read_text()
    assert "create_primary_key(" in source
    bench.upgrade(gadget)
    after = bench.snapshot()
    assert after["gadget"]["pk"] == ("id",)
    assert _column(bench, "gadget", "id")["nullable"] is False
    assert bench.select("gadget", ["id", "name"]) == [(1, "one"), (2, "two")]
    assert bench.check(gadget) == []

    bench.downgrade(gadget)
    assert schema_differences(bench.snapshot(), schema_before) == []
    assert bench.select("gadget", ["id", "name"]) == [(1, "one"), (2, "two")]


def pair(md: sa.MetaData, dialect: str) -> None:
    sa.Table(
        "pair",
        md,
        sa.Column("left_id", sa.Integer, primary_key=True),
        sa.Column("right_id", sa.Integer, primary_key=True),
        sa.Column("note", sa.String(20)),
    )


def test_primary_key_on_other_columns_is_written(tmp_path: Path, database_url: str) -> None:
    bench = Workbench(tmp_path, database_url)
    bench.init()
    _execute(
        database_url,
        "CREATE TABLE pair (left_id INTEGER NOT NULL, right_id INTEGER, note VARCHAR(20), "
        "PRIMARY KEY (left_id))",
    )
    changes = [
        "Detected NOT NULL on column 'pair.right_id'",
        "Detected changed primary key (left_id) to (left_id, right_id) on table 'pair'",
    ]
    assert bench.check(pair) == changes
    bench.migrate(pair, "pair")
    assert _detected(bench) == changes
    bench.upgrade(pair)
    assert bench.check(pair) == []


SQLITE_KEYS = [
    "CREATE TABLE gadget (id INTEGER PRIMARY KEY, name VARCHAR(20))",
    "CREATE TABLE tag (code VARCHAR(10) PRIMARY KEY, label VARCHAR(20))",
    "CREATE TABLE pair (left_id INTEGER, right_id INTEGER, note VARCHAR(20), "
    "PRIMARY KEY (left_id, right_id))",
]


def keyed(md: sa.MetaData, dialect: str) -> None:
    gadget(md, dialect)
    pair(md, dialect)
    sa.Table(
        "tag",
        md,
        sa.Column("code", sa.String(10), primary_key=True),
        sa.Column("label", sa.String(20)),
    )


@pytest.mark.sqlite
def test_sqlite_primary_keys_without_not_null_match(tmp_path: Path, sqlite_url: str) -> None:
    bench = Workbench(tmp_path, sqlite_url)
    bench.init()
    _execute(sqlite_url, *SQLITE_KEYS)
    # SQLite reports these key columns nullable; they are keys, so nothing is to change.
    assert _column(bench, "gadget", "id")["nullable"] is True
    assert bench.check(keyed) == []


def test_primary_keys_made_by_the_models_match(tmp_path: Path, database_url: str) -> None:
    bench = Workbench(tmp_path, database_url)
    bench.init()
    bench.migrate(keyed, "keys")
    bench.upgrade(keyed)
    assert bench.check(keyed) == []


# --- foreign keys declared use_alter ---------------------------------------------------------


def _teams(use_alter_on: str) -> Any:
    def build(md: sa.MetaData, dialect: str) -> None:
        def key(target: str, name: str, on: str) -> sa.ForeignKey:
            if on == use_alter_on:
                return sa.ForeignKey(target, use_alter=True, name=name)
            return sa.ForeignKey(target, name=name)

        sa.Table(
            "team",
            md,
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("captain_id", sa.Integer, key("player.id", "fk_team_captain", "team")),
        )
        sa.Table(
            "player",
            md,
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("team_id", sa.Integer, key("team.id", "fk_player_team", "player")),
        )

    return build


def _foreign_keys(bench: Workbench) -> set[tuple[str, str, str, str]]:
    engine = bench.engine()
    try:
        with engine.connect() as conn:
            inspector = sa.inspect(conn)
            return {
                (table, str(fk["name"]), fk["constrained_columns"][0], fk["referred_table"])
                for table in inspector.get_table_names()
                for fk in inspector.get_foreign_keys(table)
            }
    finally:
        engine.dispose()


def _tables(bench: Workbench) -> set[str]:
    engine = bench.engine()
    try:
        with engine.connect() as conn:
            return set(sa.inspect(conn).get_table_names()) - {"alembic_version", APPLIED_LOG}
    finally:
        engine.dispose()


@pytest.mark.parametrize("use_alter_on", ["team", "player"])
def test_use_alter_keys_of_a_cycle(tmp_path: Path, database_url: str, use_alter_on: str) -> None:
    build = _teams(use_alter_on)
    bench = Workbench(tmp_path, database_url)
    bench.init()
    bench.migrate(build, "teams")
    source = next((bench.folder / "versions").glob("*.py")).read_text()
    assert "use_alter" not in source
    bench.upgrade(build)
    assert _foreign_keys(bench) == {
        ("team", "fk_team_captain", "captain_id", "player"),
        ("player", "fk_player_team", "team_id", "team"),
    }
    assert bench.check(build) == []
    bench.downgrade(build)
    assert _tables(bench) == set()


def node(md: sa.MetaData, dialect: str) -> None:
    sa.Table("owner", md, sa.Column("id", sa.Integer, primary_key=True))
    sa.Table(
        "node",
        md,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "parent_id", sa.Integer, sa.ForeignKey("node.id", use_alter=True, name="fk_node_parent")
        ),
        sa.Column(
            "owner_id", sa.Integer, sa.ForeignKey("owner.id", use_alter=True, name="fk_node_owner")
        ),
    )


def test_use_alter_keys_of_one_table(tmp_path: Path, database_url: str) -> None:
    bench = Workbench(tmp_path, database_url)
    bench.init()
    bench.migrate(node, "nodes")
    bench.upgrade(node)
    assert _foreign_keys(bench) == {
        ("node", "fk_node_parent", "parent_id", "node"),
        ("node", "fk_node_owner", "owner_id", "owner"),
    }
    assert bench.check(node) == []
    bench.downgrade(node)
    assert _tables(bench) == set()


@pytest.mark.sqlite
def test_sqlite_keeps_use_alter_keys_in_create_table(tmp_path: Path, sqlite_url: str) -> None:
    # SQLite cannot add a key to a table; it needs no table rebuilt for one either, with or
    # without batch mode.
    bench = Workbench(tmp_path, sqlite_url, render_as_batch=False)
    bench.init()
    bench.migrate(node, "nodes")
    source = next((bench.folder / "versions").glob("*.py")).read_text()
    assert "create_foreign_key" not in source
    assert "use_alter" not in source
    bench.upgrade(node)
    assert _foreign_keys(bench) == {
        ("node", "fk_node_parent", "parent_id", "node"),
        ("node", "fk_node_owner", "owner_id", "owner"),
    }
    assert bench.check(node) == []
    bench.downgrade(node)
    assert _tables(bench) == set()
