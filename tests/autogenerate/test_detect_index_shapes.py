"""Partial indexes (``postgresql_where``/``sqlite_where``) and indexes on expressions whose
predicate or expressions changed, on a table holding rows.

PostgreSQL and SQLite have both kinds; MariaDB has neither (it ignores the predicate and
builds no index on an expression), so there the same models must give no change at all.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from tests.autogenerate.harness import Build, Workbench, schema_differences

ROWS = [
    {"id": 1, "name": "Apple", "price": 5, "status": "new"},
    {"id": 2, "name": "banana", "price": 50, "status": "sold"},
    {"id": 3, "name": "Cherry", "price": 0, "status": "new"},
]
COLUMNS = ["id", "name", "price", "status"]


def _models(version: int) -> Build:
    def build(md: sa.MetaData, dialect: str) -> None:
        table = sa.Table(
            "mx_doc",
            md,
            sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
            sa.Column("name", sa.String(20), nullable=False),
            sa.Column("price", sa.Numeric(10, 2), nullable=False),
            sa.Column("status", sa.String(10), nullable=False),
        )
        where = table.c.price > (0 if version == 1 else 10)
        sa.Index("ix_mx_doc_priced", table.c.name, postgresql_where=where, sqlite_where=where)
        text_where = sa.text("status = 'new'" if version == 1 else "status IN ('new', 'sold')")
        sa.Index(
            "ix_mx_doc_status",
            table.c.status,
            table.c.id,
            postgresql_where=text_where,
            sqlite_where=text_where,
        )
        # A sort order, which not every database reports: never a change.
        sa.Index("ix_mx_doc_recent", table.c.id.desc(), table.c.name)
        if dialect != "mysql":
            case = sa.func.lower if version == 1 else sa.func.upper
            sa.Index("ix_mx_doc_name_ci", case(table.c.name), table.c.id)
            sa.Index("ix_mx_doc_double", table.c.price * 2)

    return build


def _snapshot(bench: Workbench) -> dict[str, Any]:
    """The schema; SQLAlchemy's inspector cannot describe SQLite's expression indexes (it
    warns and leaves them out): :func:`_definitions` holds those."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", sa.exc.SAWarning)
        return bench.snapshot()


def _definitions(bench: Workbench) -> dict[str, str]:
    """Each index's definition as the database keeps it."""
    query = {
        "sqlite": "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL",
        "postgresql": "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'mx_doc'",
        "mysql": "SELECT index_name, group_concat(column_name) FROM information_schema.statistics"
        " WHERE table_schema = database() AND table_name = 'mx_doc' GROUP BY index_name",
    }[bench.dialect]
    engine = bench.engine()
    try:
        with engine.connect() as conn:
            return {str(name): str(sql) for name, sql in conn.exec_driver_sql(query)}
    finally:
        engine.dispose()


def _changes(bench: Workbench, build: Build) -> list[str]:
    return sorted(bench.check(build))


def test_changed_partial_and_expression_indexes_keep_rows(
    tmp_path: Path, database_url: str
) -> None:
    before, after = _models(1), _models(2)
    bench = Workbench(tmp_path, database_url)
    bench.init()
    assert bench.migrate(before, "docs") is not None
    bench.upgrade(before)
    bench.insert({"mx_doc": ROWS})
    assert bench.check(before) == []
    schema_before = _snapshot(bench)
    definitions = _definitions(bench)
    rows = bench.select("mx_doc", COLUMNS)

    if bench.dialect == "mysql":
        assert bench.check(after) == []  # MariaDB keeps neither predicates nor expressions
        return
    assert _changes(bench, after) == [
        "Detected changed index 'ix_mx_doc_name_ci' on 'mx_doc'",
        "Detected changed index 'ix_mx_doc_priced' on 'mx_doc'",
        "Detected changed index 'ix_mx_doc_status' on 'mx_doc'",
    ]
    assert bench.migrate(after, "indexes") is not None
    bench.upgrade(after)
    assert bench.check(after) == []
    assert bench.select("mx_doc", COLUMNS) == rows
    changed = _definitions(bench)
    assert "upper(" in changed["ix_mx_doc_name_ci"].lower()
    assert "10" in changed["ix_mx_doc_priced"]
    assert "sold" in changed["ix_mx_doc_status"]

    bench.downgrade(before)
    assert schema_differences(_snapshot(bench), schema_before) == []
    assert _definitions(bench) == definitions
    assert bench.select("mx_doc", COLUMNS) == rows
