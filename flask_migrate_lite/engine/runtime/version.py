"""The version table: one row per current head, kept exactly as Alembic keeps it.

``alembic_version(version_num VARCHAR(32) NOT NULL)`` with the primary key
``alembic_version_pkc``; a database can be moved on by either tool at any point.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Column, MetaData, PrimaryKeyConstraint, String, Table, delete, select
from sqlalchemy import insert as sa_insert
from sqlalchemy import update as sa_update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql.dml import Delete, Update

from ..advice import Run
from ..ddl import DefaultImpl
from ..errors import VersionTableError
from .exists import table_exists
from .plan import VersionChange

__all__ = [
    "apply_changes",
    "ensure_version_table",
    "heads_after",
    "read_heads",
    "version_table",
]


def version_table(name: str = "alembic_version", schema: str | None = None) -> Table:
    """The version table's definition (``name`` and ``schema`` come from the options)."""
    return Table(
        name,
        MetaData(),
        Column("version_num", String(32), nullable=False),
        PrimaryKeyConstraint("version_num", name=f"{name}_pkc"),
        schema=schema,
    )


def _label(table: Table) -> str:
    return f"{table.schema}.{table.name}" if table.schema else table.name


def version_table_exists(connection: Connection, table: Table) -> bool:
    """Whether the version table exists on ``connection``."""
    return table_exists(connection, table.name, table.schema)


def read_heads(connection: Connection, table: Table) -> tuple[str, ...]:
    """The revisions the database is at: the rows of the version table (none when missing)."""
    if not version_table_exists(connection, table):
        return ()
    try:
        rows = connection.execute(select(table.c.version_num)).scalars().all()
    except DBAPIError as exc:
        if exc.connection_invalidated:
            raise  # not the table's fault: the run reports the dropped connection
        raise VersionTableError(
            f"Cannot read the version table {_label(table)}: {_first_line(exc)}; "
            "it should have one column version_num VARCHAR(32)."
        ) from exc
    return tuple(str(row) for row in rows)


def ensure_version_table(connection: Connection, table: Table) -> bool:
    """Create the version table when it is missing; returns whether it was created."""
    if version_table_exists(connection, table):
        return False
    table.create(connection, checkfirst=False)
    return True


def apply_changes(impl: DefaultImpl, table: Table, changes: Iterable[VersionChange]) -> None:
    """Write ``changes`` to the version table through ``impl`` (online or offline).

    Online, an update or delete that finds no row means someone else moved the table on
    while this run held it; that is reported rather than silently ignored.
    """
    column = table.c.version_num
    for change in changes:
        if change.kind == "insert":
            impl.execute(sa_insert(table).values(version_num=change.new))
            continue
        statement: Update | Delete
        if change.kind == "update":
            statement = sa_update(table).where(column == change.old).values(version_num=change.new)
        else:
            statement = delete(table).where(column == change.old)
        result = impl.execute(statement)
        if result is not None and result.rowcount != 1:
            raise VersionTableError(
                f"The version table {_label(table)} does not hold revision {change.old} "
                f"(found {result.rowcount} rows); another process or a person changed it. "
                "Run " + Run("current") + " and " + Run("stamp") + " to repair it."
            )


def heads_after(heads: Iterable[str], changes: Iterable[VersionChange]) -> tuple[str, ...]:
    """The rows of a version table holding ``heads`` once ``changes`` are applied."""
    rows = list(heads)
    for change in changes:
        if change.old is not None and change.old in rows:
            if change.new is None:
                rows.remove(change.old)
            else:
                rows[rows.index(change.old)] = change.new
        elif change.new is not None:
            rows.append(change.new)
    return tuple(rows)


def _first_line(exc: DBAPIError) -> str:
    return str(exc.orig or exc).strip().splitlines()[0]
