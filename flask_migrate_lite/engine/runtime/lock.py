"""The per-database migration lock of PostgreSQL and MySQL/MariaDB.

Only one process migrates a database at a time; the others wait, then re-read the version
table. PostgreSQL uses a session advisory lock (polled, so the wait has a deadline) and
MySQL/MariaDB ``GET_LOCK``. SQLite needs neither: its write transaction is the lock (see
:mod:`.transactions`).
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError

from ..errors import LockTimeout

__all__ = ["lock_key", "lock_name", "migration_lock"]

_POLL_SECONDS = 0.05


def lock_key(table_name: str, schema: str | None) -> int:
    """A stable signed 64-bit advisory-lock key for the version table ``schema.table``."""
    digest = hashlib.blake2b(
        f"flask_migrate_lite:{schema or ''}.{table_name}".encode(), digest_size=8
    ).digest()
    return int.from_bytes(digest, "big", signed=True)


def lock_name(database: str, table_name: str, schema: str | None) -> str:
    """The ``GET_LOCK`` name (at most 64 characters; MySQL locks are server-wide)."""
    name = f"fml:{database}:{schema or ''}.{table_name}"
    if len(name) <= 64:
        return name
    return "fml:" + hashlib.blake2b(name.encode(), digest_size=16).hexdigest()


@contextmanager
def migration_lock(
    connection: Connection, table_name: str, schema: str | None, timeout: float, url: str
) -> Iterator[None]:
    """Hold the migration lock of the database on ``connection`` for the block.

    Raises :class:`LockTimeout` when another process keeps it longer than ``timeout``
    seconds. The lock belongs to the session, so it outlives the block's transactions and is
    released at the end (or when the connection closes).
    """
    name = connection.dialect.name
    if name == "postgresql":
        key = lock_key(table_name, schema)
        _poll(connection, text("SELECT pg_try_advisory_lock(:k)"), {"k": key}, timeout, url)
        release = text("SELECT pg_advisory_unlock(:k)")
        params: dict[str, object] = {"k": key}
    elif name in ("mysql", "mariadb"):
        database = connection.exec_driver_sql("SELECT DATABASE()").scalar() or ""
        lock = lock_name(str(database), table_name, schema)
        got = connection.execute(
            text("SELECT GET_LOCK(:n, :t)"), {"n": lock, "t": max(timeout, 0)}
        ).scalar()
        connection.commit()
        if got != 1:
            raise LockTimeout(url, timeout)
        release = text("SELECT RELEASE_LOCK(:n)")
        params = {"n": lock}
    else:
        yield
        return
    try:
        yield
    finally:
        _release(connection, release, params)


def _poll(
    connection: Connection, statement: object, params: dict[str, object], timeout: float, url: str
) -> None:
    deadline = time.monotonic() + max(timeout, 0)
    while True:
        got = connection.execute(statement, params).scalar()  # type: ignore[call-overload]
        connection.commit()
        if got:
            return
        if time.monotonic() >= deadline:
            raise LockTimeout(url, timeout)
        time.sleep(_POLL_SECONDS)


def _release(connection: Connection, statement: object, params: dict[str, object]) -> None:
    if connection.invalidated:
        # The connection dropped: its session, and the lock with it, are gone. Running the
        # statement would only open a new connection (or wait for a server that is down).
        return
    try:
        if connection.in_transaction():
            connection.rollback()
        connection.execute(statement, params)  # type: ignore[call-overload]
        connection.commit()
    except DBAPIError:
        # A broken connection has lost its session, and the lock with it.
        pass
