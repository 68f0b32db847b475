"""The bulk SQLite index reader gives exactly what SQLAlchemy's inspector gives."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from flask_migrate_lite.engine.autogenerate.sqlite_reflect import sqlite_indexes

pytestmark = pytest.mark.sqlite

SCHEMA = [
    "CREATE TABLE plain (id INTEGER PRIMARY KEY, a INTEGER, b TEXT UNIQUE, c TEXT)",
    "CREATE INDEX ix_plain_a ON plain (a)",
    "CREATE UNIQUE INDEX ux_plain_ac ON plain (a, c DESC)",
    "CREATE INDEX ix_plain_partial ON plain (c) WHERE a > 0 AND c IS NOT NULL",
    "CREATE INDEX ix_plain_expr ON plain (lower(c))",
    'CREATE TABLE "odd name" ("the id" INTEGER PRIMARY KEY, "x y" TEXT, z TEXT, UNIQUE (z, "x y"))',
    'CREATE INDEX "ix odd" ON "odd name" ("x y")',
    "CREATE TABLE bare (id TEXT PRIMARY KEY, v INTEGER)",
    "CREATE TABLE noindex (v INTEGER)",
]


def _normal(indexes: dict[Any, list[dict[str, Any]]]) -> dict[Any, list[dict[str, Any]]]:
    out = {}
    for key, entries in indexes.items():
        out[key] = [
            {
                **entry,
                "unique": bool(entry["unique"]),
                "dialect_options": {k: str(v) for k, v in entry["dialect_options"].items()},
            }
            for entry in entries
        ]
    return out


def test_same_as_the_inspector(tmp_path: Path) -> None:
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'x.db'}")
    try:
        with engine.begin() as conn:
            for statement in SCHEMA:
                conn.exec_driver_sql(statement)
        names = ["plain", "odd name", "bare", "noindex"]
        with engine.connect() as conn:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                theirs = sa.inspect(conn).get_multi_indexes(filter_names=names)
            ours, expression = sqlite_indexes(conn, names)
    finally:
        engine.dispose()
    assert _normal(ours) == _normal(dict(theirs))
    assert expression == {"ix_plain_expr"}
    assert any("ix_plain_expr" in str(w.message) for w in caught)
    partial = next(e for e in ours[(None, "plain")] if e["name"] == "ix_plain_partial")
    assert str(partial["dialect_options"]["sqlite_where"]) == "a > 0 AND c IS NOT NULL"


def test_only_the_tables_asked_for(tmp_path: Path) -> None:
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'x.db'}")
    try:
        with engine.begin() as conn:
            for statement in SCHEMA:
                conn.exec_driver_sql(statement)
        with engine.connect() as conn:
            ours, _ = sqlite_indexes(conn, ["bare"])
    finally:
        engine.dispose()
    assert ours == {(None, "bare"): []}
