"""The applied log: one row for every revision applied, reverted, stamped or accepted.

The table sits beside the version table (same schema) and is written by this engine only;
the version table itself stays exactly as Alembic keeps it. Each row holds the revision,
its ``direction`` (``upgrade``, ``downgrade``, ``stamp`` or ``accept``), the SHA-256 of
the revision file's bytes as they were loaded to run (or, for ``stamp`` and ``accept``, as
they are on disk then), the version rows before and after (space-separated), when (UTC),
how long the migration took, the host and operating-system user, and this tool's version.

Online the row is written in the transaction of the step's version-table change, so the
two agree wherever DDL is transactional. Offline (``--sql``) the script creates the table
with ``IF NOT EXISTS`` and writes the rows with the database's own clock.
"""

from __future__ import annotations

import datetime
import functools
import getpass
import hashlib
import os
import socket
import types
import weakref
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib import metadata

from sqlalchemy import (
    Column,
    DateTime,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    bindparam,
    func,
    literal_column,
    select,
)
from sqlalchemy import insert as sa_insert
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError
from sqlalchemy.schema import CreateTable
from sqlalchemy.sql.dml import Insert
from sqlalchemy.sql.elements import ColumnElement

from ..ddl import DefaultImpl
from ..errors import VersionTableError
from .exists import table_exists
from .modules import CHECKSUM_ATTRIBUTE

__all__ = [
    "CHECKSUM_ATTRIBUTE",
    "LogRow",
    "checksum_of_file",
    "ensure_log_table",
    "log_table",
    "module_checksum",
    "read_log",
    "write_row",
]


DIRECTIONS = ("upgrade", "downgrade", "stamp", "accept")


def log_table(name: str, schema: str | None = None) -> Table:
    """The applied log's definition (``name`` and ``schema`` come from the options)."""
    return Table(
        name,
        MetaData(),
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("revision", String(32), nullable=False),
        Column("direction", String(10), nullable=False),
        Column("checksum", String(64), nullable=True),
        Column("heads_before", Text, nullable=True),
        Column("heads_after", Text, nullable=True),
        Column("applied_at", DateTime, nullable=False),
        Column("duration_ms", Integer, nullable=True),
        Column("host", String(255), nullable=True),
        Column("os_user", String(255), nullable=True),
        Column("tool_version", String(32), nullable=True),
        schema=schema,
    )


@dataclass(frozen=True)
class LogRow:
    """One row of the applied log, as read back."""

    id: int
    revision: str
    direction: str
    checksum: str | None
    heads_before: tuple[str, ...]
    heads_after: tuple[str, ...]
    applied_at: datetime.datetime
    duration_ms: int | None
    host: str | None
    os_user: str | None
    tool_version: str | None


def checksum_of_bytes(data: bytes) -> str:
    """The checksum the log keeps: SHA-256, hexadecimal."""
    return hashlib.sha256(data).hexdigest()


def checksum_of_file(path: str | None) -> str | None:
    """The checksum of the file at ``path`` as it is now (None when it cannot be read)."""
    if not path:
        return None
    try:
        with open(path, "rb") as stream:
            return checksum_of_bytes(stream.read())
    except OSError:
        return None


def module_checksum(module: types.ModuleType) -> str | None:
    """The checksum of the bytes a revision module was loaded from."""
    value = module.__dict__.get(CHECKSUM_ATTRIBUTE)
    return value if isinstance(value, str) else None


def log_exists(connection: Connection, table: Table) -> bool:
    """Whether the applied log exists on ``connection``."""
    return table_exists(connection, table.name, table.schema)


def ensure_log_table(connection: Connection, table: Table) -> bool:
    """Create the applied log when it is missing; returns whether it was created."""
    if log_exists(connection, table):
        return False
    table.create(connection, checkfirst=False)
    return True


def create_log_sql(impl: DefaultImpl, table: Table) -> None:
    """Write the log's ``CREATE TABLE`` into a script, for a database that may have it.

    ``IF NOT EXISTS`` where the database says nothing when the table is there; PostgreSQL
    would print a notice, so there the statement runs inside a ``DO`` block that checks.
    """
    if impl.dialect.name != "postgresql":
        impl.create_table(table, if_not_exists=True)
        return
    name = f"{table.schema}.{table.name}" if table.schema else table.name
    create = impl.to_sql(CreateTable(table)).strip().rstrip(";")
    impl.execute(f"DO $$ BEGIN IF to_regclass('{name}') IS NULL THEN {create}; END IF; END $$")


@functools.cache
def _tool_version() -> str:
    # Read once per process: the installed metadata is parsed from disk on every call.
    try:
        return metadata.version("flask-migrate-lite")[:32]
    except metadata.PackageNotFoundError:
        return "unknown"


@functools.cache
def _user() -> str | None:
    # Read once per process, as the host name: neither changes while a command runs, and
    # the lookup (environment, then the password database) would be paid on every row.
    try:
        return getpass.getuser()[:255] or os.environ.get("USER")
    except (OSError, KeyError, ImportError):
        return os.environ.get("USER")


@functools.cache
def _host() -> str | None:
    return socket.gethostname()[:255] or None


def _utc_now_sql(dialect_name: str) -> ColumnElement[datetime.datetime]:
    # The database's clock in UTC, for rows written into a script run later.
    if dialect_name == "postgresql":
        return literal_column("(now() AT TIME ZONE 'utc')", DateTime)
    if dialect_name in ("mysql", "mariadb"):
        return literal_column("UTC_TIMESTAMP()", DateTime)
    return func.current_timestamp()  # SQLite's clock is UTC


def write_row(
    impl: DefaultImpl,
    table: Table,
    *,
    revision: str,
    direction: str,
    checksum: str | None,
    heads_before: Sequence[str],
    heads_after: Sequence[str],
    duration_ms: int | None = None,
) -> None:
    """Insert one log row through ``impl`` (online: now, this host and user; offline: the
    database's clock when the script runs, no host or user)."""
    values: dict[str, object] = {
        "revision": revision,
        "direction": direction,
        "checksum": checksum,
        "heads_before": " ".join(heads_before),
        "heads_after": " ".join(heads_after),
        "tool_version": _tool_version(),
    }
    if impl.as_sql:
        values["applied_at"] = _utc_now_sql(impl.dialect.name)
        # inline(): no RETURNING and no id fetched; the database numbers the row.
        impl.execute(sa_insert(table).values(**values).inline())
        return
    now = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None, microsecond=0)
    values.update(
        applied_at=now,
        duration_ms=duration_ms,
        host=_host(),
        os_user=_user(),
    )
    # One statement per log table, its values bound at each run: the same SQL as values
    # given inline, built and keyed for the statement cache once instead of for every row.
    impl.execute(_online_insert(table), values)


_INSERTS: weakref.WeakKeyDictionary[Table, Insert] = weakref.WeakKeyDictionary()


def _online_insert(table: Table) -> Insert:
    """``INSERT`` of an online row: every column but ``id``, each a bound parameter."""
    statement = _INSERTS.get(table)
    if statement is None:
        names = [column.name for column in table.columns if column.name != "id"]
        statement = (
            sa_insert(table)
            .values({name: bindparam(name, type_=table.c[name].type) for name in names})
            .inline()
        )
        _INSERTS[table] = statement
    return statement


def read_log(connection: Connection, table: Table) -> list[LogRow] | None:
    """Every row of the applied log in the order written (None when there is no log)."""
    if not log_exists(connection, table):
        return None
    c = table.c
    try:
        rows = connection.execute(select(table).order_by(c.id)).all()
    except DBAPIError as exc:
        if exc.connection_invalidated:
            raise
        label = f"{table.schema}.{table.name}" if table.schema else table.name
        first = str(exc.orig or exc).strip().splitlines()[0]
        raise VersionTableError(
            f"Cannot read the applied log {label}: {first}; if that table is not the log "
            "this tool keeps, give the log another name with the applied_log_table option."
        ) from exc
    return [
        LogRow(
            id=int(row.id),
            revision=str(row.revision),
            direction=str(row.direction),
            checksum=row.checksum,
            heads_before=tuple((row.heads_before or "").split()),
            heads_after=tuple((row.heads_after or "").split()),
            applied_at=row.applied_at,
            duration_ms=row.duration_ms,
            host=row.host,
            os_user=row.os_user,
            tool_version=row.tool_version,
        )
        for row in rows
    ]


def accept_rows(
    connection: Connection,
    table: Table,
    accepted: Iterable[tuple[str, str | None]],
    heads: Sequence[str],
    impl: DefaultImpl,
) -> None:
    """Record ``accept`` rows (revision, checksum now) in one transaction."""
    if connection.in_transaction():
        connection.commit()
    with connection.begin():
        ensure_log_table(connection, table)
        for revision, checksum in accepted:
            write_row(
                impl,
                table,
                revision=revision,
                direction="accept",
                checksum=checksum,
                heads_before=heads,
                heads_after=heads,
            )
