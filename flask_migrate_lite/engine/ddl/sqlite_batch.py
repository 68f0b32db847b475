"""What a SQLite table rebuild must know: type affinity, foreign key enforcement, and the
parts of a table that reflection misses.

:class:`~.sqlite.SQLiteImpl` answers batch mode's questions (:mod:`.batch`) with these.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import Table, text
from sqlalchemy.engine import Connection

__all__ = ["foreign_keys_enforced", "needs_foreign_keys_off", "rebuild_extras", "sqlite_affinity"]

_AFFINITY_RULES = (("INT", "INTEGER"), ("CHAR", "TEXT"), ("CLOB", "TEXT"), ("TEXT", "TEXT"))

_AUTOINCREMENT = re.compile(r"\bAUTOINCREMENT\b", re.IGNORECASE)
_STRICT = re.compile(r"\)\s*(?:WITHOUT\s+ROWID\s*,\s*)?STRICT\b[^)]*$", re.IGNORECASE)
_WITHOUT_ROWID = re.compile(r"\)[^)]*\bWITHOUT\s+ROWID\b[^)]*$", re.IGNORECASE)


def sqlite_affinity(type_sql: str) -> str:
    """SQLite's column affinity for a declared type (its documented rules, in order)."""
    upper = type_sql.upper()
    for needle, affinity in _AFFINITY_RULES:
        if needle in upper:
            return affinity
    if "BLOB" in upper or not upper.strip():
        return "BLOB"
    if any(needle in upper for needle in ("REAL", "FLOA", "DOUB")):
        return "REAL"
    return "NUMERIC"


def _master(connection: Connection, schema: str | None) -> str:
    prefix = connection.dialect.identifier_preparer.quote_schema(schema) + "." if schema else ""
    return f"{prefix}sqlite_master"


def rebuild_extras(
    connection: Connection, table: Table
) -> tuple[list[tuple[str, str]], dict[str, Any]]:
    """What reflection misses on SQLite: AUTOINCREMENT, STRICT, WITHOUT ROWID and
    expression indexes (kept as their original CREATE INDEX statement, by name)."""
    master = _master(connection, table.schema)
    table_sql = connection.execute(
        text(f"SELECT sql FROM {master} WHERE type = 'table' AND name = :name"),
        {"name": table.name},
    ).scalar()
    options: dict[str, Any] = {}
    if table_sql:
        if _AUTOINCREMENT.search(table_sql):
            options["sqlite_autoincrement"] = True
        if _STRICT.search(table_sql):
            options["sqlite_strict"] = True
        if _WITHOUT_ROWID.search(table_sql):
            options["sqlite_with_rowid"] = False
    known = {str(index.name) for index in table.indexes}
    rows = connection.execute(
        text(
            f"SELECT name, sql FROM {master} WHERE type = 'index' AND tbl_name = :name "
            "AND sql IS NOT NULL ORDER BY name"
        ),
        {"name": table.name},
    ).all()
    raw = [(name, sql) for name, sql in rows if name not in known]
    return raw, options


def foreign_keys_enforced(connection: Connection) -> bool:
    """Whether SQLite enforces foreign keys on ``connection`` (False for other databases)."""
    if connection.dialect.name != "sqlite":
        return False
    return bool(connection.exec_driver_sql("PRAGMA foreign_keys").scalar())


def needs_foreign_keys_off(
    connection: Connection, table_name: str, schema: str | None = None
) -> bool:
    """Whether rebuilding ``table_name`` needs SQLite's foreign key enforcement turned off.

    That is the case when enforcement is on and some table (itself included) has a foreign
    key pointing at it: dropping the old table would reject or cascade-delete their rows.
    ``PRAGMA foreign_keys`` cannot change inside a transaction, so the runtime turns it off
    before BEGIN and runs ``PRAGMA foreign_key_check`` before COMMIT.
    """
    if not foreign_keys_enforced(connection):
        return False
    master = _master(connection, schema)
    quote = connection.dialect.identifier_preparer.quote
    prefix = connection.dialect.identifier_preparer.quote_schema(schema) + "." if schema else ""
    names = connection.exec_driver_sql(f"SELECT name FROM {master} WHERE type = 'table'").scalars()
    for name in list(names):
        rows = connection.exec_driver_sql(f"PRAGMA {prefix}foreign_key_list({quote(name)})").all()
        if any(str(row[2]).lower() == table_name.lower() for row in rows):
            return True
    return False
