"""The catalog readers: what the database has, in the shape SQLAlchemy's inspector gives it.

:func:`read_tables` reads the tables a comparison needs. On PostgreSQL (:mod:`.postgresql`)
and SQLite (:mod:`.sqlite`) many tables are read in a few catalog queries; what those readers
cannot describe exactly as the inspector would is left to the inspector (:mod:`.inspector`).
:mod:`.facts` holds what a reading found, keyed as the inspector's multi-table methods key it;
:mod:`.tables` gives each table as a :class:`~.tables.ReflectedTable` of typed rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy.engine import Connection, Inspector
from sqlalchemy.engine.interfaces import ReflectedIndex

from . import sqlite
from .inspector import inspect_tables
from .mysql import Collations, column_collations
from .tables import ReflectedTable, from_facts

__all__ = [
    "Collations",
    "Reading",
    "ReflectedTable",
    "column_collations",
    "read_tables",
    "unreflected_index",
]


@dataclass
class Reading:
    """Tables of one schema as the database describes them."""

    tables: dict[str, ReflectedTable] = field(default_factory=dict)
    #: Indexes that exist but that reflection could not describe (on expressions), by name.
    unreflected_indexes: set[str] = field(default_factory=set)


def read_tables(
    connection: Connection, inspector: Inspector, schema: str | None, names: Sequence[str]
) -> Reading:
    """The tables ``names`` of ``schema`` (``None``: the default schema)."""
    if not names:
        return Reading()
    if schema is None and connection.dialect.name == "postgresql":
        # Imported here: it loads SQLAlchemy's PostgreSQL types.
        from . import postgresql

        if postgresql.supported(connection):
            # The catalog read directly; what it does not describe goes to the inspector.
            bulk = postgresql.read_pg_tables(connection, names)
            reading = Reading(from_facts(None, [n for n in names if n not in bulk.others], bulk))
            _inspect(connection, inspector, schema, sorted(bulk.others), reading)
            return reading
    reading = Reading()
    _inspect(connection, inspector, schema, names, reading)
    return reading


def _inspect(
    connection: Connection,
    inspector: Inspector,
    schema: str | None,
    names: Sequence[str],
    reading: Reading,
) -> None:
    if not names:
        return
    facts, unreflected = inspect_tables(connection, inspector, schema, names)
    reading.tables.update(from_facts(schema, names, facts))
    reading.unreflected_indexes.update(unreflected)


def unreflected_index(
    connection: Connection, schema: str | None, name: str
) -> ReflectedIndex | None:
    """An index that :func:`read_tables` found but could not describe (on expressions), read
    another way where the database allows it (SQLite: its ``CREATE INDEX`` text); else
    ``None``."""
    if connection.dialect.name != "sqlite":
        return None
    found = sqlite.expression_index(connection, schema, name)
    return None if found is None else ReflectedIndex(**found)  # type: ignore[typeddict-item]
