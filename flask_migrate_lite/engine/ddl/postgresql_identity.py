"""PostgreSQL's statements for an identity column added, changed or dropped by
``alter_column(..., server_default=sa.Identity(...))`` (``server_default=None`` drops it).

An identity added to a column that already holds values would start at its ``start`` and
soon give a value a row already has: its sequence is moved past the largest value.
"""

from __future__ import annotations

from sqlalchemy.schema import Identity
from sqlalchemy.sql.compiler import IdentifierPreparer

__all__ = ["identity_statements"]


def _generated(identity: Identity) -> str:
    return "ALWAYS" if identity.always else "BY DEFAULT"


def _options(identity: Identity) -> list[str]:
    options = []
    if identity.start is not None:
        options.append(f"START WITH {int(identity.start)}")
    if identity.increment is not None:
        options.append(f"INCREMENT BY {int(identity.increment)}")
    return options


def identity_statements(
    preparer: IdentifierPreparer,
    table_name: str,
    column_name: str,
    schema: str | None,
    identity: Identity | None,
    existing: object,
) -> list[str]:
    """The statements that take the column from ``existing`` (an identity, or anything
    else: none) to ``identity`` (``None``: none)."""
    table = preparer.quote(table_name)
    if schema:
        table = f"{preparer.quote_schema(schema)}.{table}"
    column = preparer.quote(column_name)
    alter = f"ALTER TABLE {table} ALTER COLUMN {column}"
    if identity is None:
        return [f"{alter} DROP IDENTITY IF EXISTS"] if isinstance(existing, Identity) else []
    if isinstance(existing, Identity):
        sets = [f"SET GENERATED {_generated(identity)}"]
        sets += [f"SET {option}" for option in _options(identity)]
        return [f"{alter} {' '.join(sets)}"]
    options = _options(identity)
    added = f"{alter} ADD GENERATED {_generated(identity)} AS IDENTITY"
    if options:
        added += f" ({' '.join(options)})"
    name = "'" + table.replace("'", "''") + "'"
    start = int(identity.start) if identity.start is not None else 1
    moved = (
        f"SELECT pg_catalog.setval(pg_catalog.pg_get_serial_sequence({name}, "
        f"'{column_name.replace(chr(39), chr(39) * 2)}'), max({column})) "
        f"FROM {table} HAVING max({column}) >= {start}"
    )
    return [added, moved]
