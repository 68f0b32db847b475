"""Tables read with SQLAlchemy's inspector, asking SQLite only what its tables can hold.

The inspector's multi-table methods answer one kind of question (columns, keys, indexes...)
for many tables at once. SQLite answers each kind table by table; there the CREATE TABLE
text says which tables can have foreign keys, unique or check constraints at all, so only
those are asked, and columns, keys and indexes come from :mod:`.sqlite`'s bulk queries.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import exc
from sqlalchemy.engine import Connection, Inspector

from . import sqlite
from .facts import TableFacts

__all__ = ["inspect_tables"]

# SQLite's reflection skips indexes on expressions, with this warning naming the index.
_UNREFLECTED_INDEX = re.compile(r"Skipped unsupported reflection of expression-based index (\S+)")


def inspect_tables(
    connection: Connection, inspector: Inspector, schema: str | None, names: Sequence[str]
) -> tuple[TableFacts, set[str]]:
    """What the tables ``names`` of ``schema`` hold, and the names of their indexes that
    exist but that reflection could not describe (on expressions)."""
    insp = inspector
    unreflected: set[str] = set()
    kw: dict[str, Any] = {"schema": schema, "filter_names": list(names)}
    ddl = _sqlite_ddl(connection, schema)
    having = None if ddl is None else _tables_having(ddl, names)

    def only(word: str) -> dict[str, Any]:
        if having is None:
            return kw
        return {"schema": schema, "filter_names": sorted(having[word])}

    columns: dict[Any, Any] = {}
    pks: dict[Any, Any] = {}
    fks: dict[Any, Any] = {}
    rest = list(names)
    if ddl is not None and schema is None and sqlite.bulk_supported(connection):
        # Columns and keys of every table in two queries; the inspector reads the rest.
        bulk = sqlite.sqlite_tables(connection, names, ddl)
        columns, pks, fks = bulk.columns, bulk.pks, bulk.fks
        rest = sorted(bulk.others)
    if rest:
        some: dict[str, Any] = {"schema": schema, "filter_names": rest}
        columns.update(insp.get_multi_columns(**some))
        pks.update(insp.get_multi_pk_constraint(**some))
        referring = rest if having is None else sorted(having["REFERENCES"] & set(rest))
        if referring:
            fks.update(insp.get_multi_foreign_keys(schema=schema, filter_names=referring))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", exc.SAWarning)
        indexes: Mapping[Any, list[Any]]
        if having is not None and schema is None:
            # One query for every table's indexes instead of two PRAGMAs per table.
            indexes, expression = sqlite.sqlite_indexes(connection, names)
            unreflected.update(expression)
        else:
            indexes = insp.get_multi_indexes(**kw)
        uniques = (
            insp.get_multi_unique_constraints(**only("UNIQUE")) if _wanted(having, "UNIQUE") else {}
        )
    for warning in caught:
        found = _UNREFLECTED_INDEX.search(str(warning.message))
        if found is None:
            warnings.warn_explicit(
                warning.message, warning.category, warning.filename, warning.lineno
            )
        else:
            unreflected.add(found[1])
    try:
        checks = (
            insp.get_multi_check_constraints(**only("CHECK")) if _wanted(having, "CHECK") else {}
        )
    except NotImplementedError:
        checks = {}
    comments: dict[Any, Any] = {}
    if connection.dialect.supports_comments:
        comments = insp.get_multi_table_comment(**kw)
    facts = TableFacts(
        columns=dict(columns),
        pks=dict(pks),
        fks=dict(fks),
        indexes=dict(indexes),
        uniques=dict(uniques),
        checks=dict(checks),
        comments=comments,
    )
    return facts, unreflected


def _sqlite_ddl(connection: Connection, schema: str | None) -> dict[str, str] | None:
    """On SQLite, each table's CREATE TABLE text; ``None`` on other databases."""
    dialect = connection.dialect
    if dialect.name != "sqlite":
        return None
    prefix = dialect.identifier_preparer.quote_schema(schema) + "." if schema else ""
    rows = connection.exec_driver_sql(
        f"SELECT name, sql FROM {prefix}sqlite_master WHERE type = 'table'"
    )
    return {str(name): str(sql or "") for name, sql in rows}


def _tables_having(ddl: Mapping[str, str], names: Sequence[str]) -> dict[str, set[str]]:
    """Which of ``names`` mention REFERENCES, UNIQUE or CHECK in their CREATE TABLE text."""
    having: dict[str, set[str]] = {"REFERENCES": set(), "UNIQUE": set(), "CHECK": set()}
    for name in names:
        upper = ddl.get(name, "").upper()
        for word, tables in having.items():
            if word in upper:
                tables.add(name)
    return having


def _wanted(having: dict[str, set[str]] | None, word: str) -> bool:
    return having is None or bool(having[word])
