"""The bulk SQLite index reader gives exactly what SQLAlchemy's inspector gives."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from flask_migrate_lite.engine.autogenerate.reflect.sqlite import (
    bulk_supported,
    sqlite_indexes,
    sqlite_tables,
)

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
    assert _normal(ours) == _normal(dict(theirs))  # type: ignore[arg-type]
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


TABLES = [
    "CREATE TABLE parent (id INTEGER NOT NULL, code VARCHAR(20) DEFAULT 'x',"
    " CONSTRAINT pk_parent PRIMARY KEY (id), UNIQUE (code))",
    "CREATE TABLE kinds (a INTEGER PRIMARY KEY AUTOINCREMENT, b VARCHAR (20), c NUMERIC(10, 2),"
    " d, e BLOB, f DOUBLE PRECISION, g FLOAT, h BOOLEAN DEFAULT 0, i DATETIME"
    " DEFAULT CURRENT_TIMESTAMP, j UNSIGNED BIG INT, k NVARCHAR(10), l CLOB, m weird,"
    " n DECIMAL(10,2), o JSON, p TIMESTAMP, q TEXT DEFAULT (1 + 2), r varchar(5) NOT NULL)",
    'CREATE TABLE "two keys" ("the b" TEXT, a INTEGER,'
    ' CONSTRAINT "pk two" PRIMARY KEY ("the b", a))',
    "CREATE TABLE nokey (v INTEGER)",
    "CREATE TABLE child (id INTEGER PRIMARY KEY, pid INTEGER REFERENCES parent (id) ON DELETE"
    " CASCADE, q INTEGER, r INTEGER, s TEXT, t TEXT,\n"
    " CONSTRAINT fk_q FOREIGN KEY(q) REFERENCES parent (id) ON DELETE SET NULL"
    " DEFERRABLE INITIALLY DEFERRED,\n"
    " foreign key (r) references parent (id) on update no action on delete restrict,\n"
    ' CONSTRAINT "fk two" FOREIGN KEY (s, t) REFERENCES "two keys" ("the b", a)'
    " NOT DEFERRABLE INITIALLY IMMEDIATE)",
    "CREATE TABLE rowless (k TEXT PRIMARY KEY, v INTEGER) WITHOUT ROWID",
]

# Tables the reader leaves to the inspector, and why.
SQLITE_OTHERS = {
    "generated": "CREATE TABLE generated (a INTEGER, b INTEGER GENERATED ALWAYS AS (a * 2))",
    "warned_type": "CREATE TABLE warned_type (a INTEGER(11))",
    "implicit_pk_ref": "CREATE TABLE implicit_pk_ref (pid INTEGER REFERENCES parent)",
    "backticks": "CREATE TABLE backticks (pid INTEGER, FOREIGN KEY (pid) REFERENCES `parent` (id))",
}


def _sqlite_tables_setup(tmp_path: Path) -> sa.Engine:
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'x.db'}")
    with engine.begin() as conn:
        for statement in [*TABLES, *SQLITE_OTHERS.values()]:
            conn.exec_driver_sql(statement)
        conn.exec_driver_sql("CREATE VIEW v AS SELECT * FROM parent")
    return engine


def _ddl(conn: sa.Connection) -> dict[str, str]:
    rows = conn.exec_driver_sql("SELECT name, sql FROM sqlite_master WHERE type = 'table'")
    return {str(name): str(sql) for name, sql in rows}


def test_tables_same_as_the_inspector(tmp_path: Path) -> None:
    engine = _sqlite_tables_setup(tmp_path)
    try:
        with engine.connect() as conn:
            assert bulk_supported(conn)
            inspector = sa.inspect(conn)
            names = inspector.get_table_names()
            ours = sqlite_tables(conn, names, _ddl(conn))
            read = [n for n in names if n not in ours.others]
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                theirs: dict[str, Any] = {
                    "columns": inspector.get_multi_columns(filter_names=read),
                    "pks": inspector.get_multi_pk_constraint(filter_names=read),
                    "fks": inspector.get_multi_foreign_keys(filter_names=read),
                }
    finally:
        engine.dispose()
    assert ours.others == set(SQLITE_OTHERS)
    assert sorted(read) == sorted(["parent", "kinds", "two keys", "nokey", "child", "rowless"])
    for kind, answer in theirs.items():
        mine = getattr(ours, kind)
        assert sorted(mine) == sorted(answer), kind
        for key in answer:
            # Type objects compare by identity; their repr shows every argument.
            assert repr(mine[key]) == repr(answer[key]), (kind, key)


def test_tables_keys_and_names(tmp_path: Path) -> None:
    engine = _sqlite_tables_setup(tmp_path)
    try:
        with engine.connect() as conn:
            ours = sqlite_tables(conn, ["child", "two keys", "nokey"], _ddl(conn))
    finally:
        engine.dispose()
    assert ours.pks[(None, "two keys")] == {"constrained_columns": ["the b", "a"], "name": "pk two"}
    assert ours.pks[(None, "nokey")] == {"name": None, "constrained_columns": []}
    fks = {fk["name"]: fk for fk in ours.fks[(None, "child")]}
    assert set(fks) == {"fk_q", None, "fk two"}
    assert fks["fk_q"]["options"] == {
        "ondelete": "SET NULL",
        "deferrable": True,
        "initially": "DEFERRED",
    }
    assert fks["fk two"]["referred_columns"] == ["the b", "a"]
    assert fks["fk two"]["options"] == {"deferrable": False, "initially": "IMMEDIATE"}
    assert len(ours.fks[(None, "child")]) == 4
