"""The throw-away database of a test session: created for it, emptied between tests, dropped.

SQLite by default (a file in the session's temporary folder); given a PostgreSQL or
MySQL/MariaDB URL, a database of its own on that server, named after the URL's database, the
xdist worker and the process (``test_gw1_4242_1a2b3c``), created at the start of the session
and dropped at its end.
"""

from __future__ import annotations

import os
import re
import secrets
import weakref
from pathlib import Path

import sqlalchemy as sa

__all__ = ["ThrowAway", "empty_database", "same_database", "worker_id"]

#: The URLs of the databases this process created, which it may empty at will.
CREATED: set[str] = set()
#: The engines the tests used; those on a database are closed before it is dropped.
ENGINES: weakref.WeakSet[sa.Engine] = weakref.WeakSet()


class SetupError(Exception):
    """The throw-away database cannot be made: one sentence saying why and what to do."""


def worker_id() -> str:
    """The xdist worker's id (``gw0``...), or ``main`` without xdist."""
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


def _admin(url: sa.URL) -> sa.Engine:
    return sa.create_engine(url, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)


class ThrowAway:
    """One session's database: :attr:`url` once :meth:`create` ran, gone after :meth:`drop`."""

    def __init__(self, server_url: str | None, folder: Path) -> None:
        self.server_url = server_url.strip() if server_url else ""
        self.folder = folder
        self.url = ""
        self.name = ""

    def create(self) -> str:
        if not self.server_url:
            path = self.folder / f"migrations-{worker_id()}.sqlite"
            self.url = f"sqlite:///{path}"
            CREATED.add(self.url)
            return self.url
        try:
            base = sa.make_url(self.server_url)
        except sa.exc.ArgumentError as exc:
            raise SetupError(
                f"migrations_database_url '{self.server_url}' is not a database URL ({exc})."
            ) from None
        backend = base.get_backend_name()
        if backend not in ("postgresql", "mysql", "mariadb"):
            raise SetupError(
                f"migrations_database_url names a {backend} database; give a PostgreSQL or "
                "MySQL/MariaDB server URL (leave it unset for SQLite)."
            )
        stem = re.sub(r"[^a-z0-9_]", "_", (base.database or "test").lower())
        suffix = f"_{worker_id().lower()}_{os.getpid()}_{secrets.token_hex(3)}"
        self.name = re.sub(r"[^a-z0-9_]", "_", stem[: 60 - len(suffix)] + suffix)
        quoted = f'"{self.name}"' if backend == "postgresql" else f"`{self.name}`"
        admin = _admin(base)
        try:
            with admin.connect() as connection:
                connection.exec_driver_sql(f"CREATE DATABASE {quoted}")
        except Exception as exc:  # any failure: the server cannot give us a database
            reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise SetupError(
                f"Cannot create the test database {self.name} on "
                f"{base.render_as_string()}: {reason}; check migrations_database_url and "
                "that its user may create databases."
            ) from None
        finally:
            admin.dispose()
        self.url = base.set(database=self.name).render_as_string(hide_password=False)
        CREATED.add(self.url)
        return self.url

    def drop(self) -> None:
        for engine in list(ENGINES):
            if self.url and same_database(engine.url, self.url):
                engine.dispose()
        if not self.name:
            return
        base = sa.make_url(self.server_url)
        admin = _admin(base)
        try:
            with admin.connect() as connection:
                if base.get_backend_name() == "postgresql":
                    force = " WITH (FORCE)" if _pg_version(connection) >= 13 else ""
                    connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{self.name}"{force}')
                else:
                    connection.exec_driver_sql(f"DROP DATABASE IF EXISTS `{self.name}`")
        finally:
            admin.dispose()
            CREATED.discard(self.url)


def _pg_version(connection: sa.Connection) -> int:
    info = connection.dialect.server_version_info or (0,)
    return int(info[0])


def same_database(a: sa.URL | str, b: sa.URL | str) -> bool:
    """Whether two URLs name the same database (drivers and credentials aside)."""
    first, second = sa.make_url(a), sa.make_url(b)
    if first.get_backend_name() != second.get_backend_name():
        return False
    if first.get_backend_name() == "sqlite":
        return os.path.realpath(first.database or "") == os.path.realpath(second.database or "")
    return (first.host, first.port, first.database) == (second.host, second.port, second.database)


def empty_database(connection: sa.Connection) -> None:
    """Drop every table, view and (PostgreSQL) enum type of the connection's default schema."""
    if connection.in_transaction():
        connection.commit()
    name = connection.dialect.name
    quote = connection.dialect.identifier_preparer.quote_identifier
    if name == "sqlite":
        connection.exec_driver_sql("PRAGMA foreign_keys = OFF")
        rows = connection.exec_driver_sql(
            "SELECT type, name FROM sqlite_master WHERE type IN ('table', 'view') "
            "AND name NOT LIKE 'sqlite_%'"
        ).all()
        for kind, table in rows:
            connection.exec_driver_sql(f"DROP {kind.upper()} IF EXISTS {quote(table)}")
        connection.commit()
        connection.exec_driver_sql("PRAGMA foreign_keys = ON")
    elif name == "postgresql":
        inspector = sa.inspect(connection)
        for view in inspector.get_view_names():
            connection.exec_driver_sql(f"DROP VIEW IF EXISTS {quote(view)} CASCADE")
        for table in inspector.get_table_names():
            connection.exec_driver_sql(f"DROP TABLE IF EXISTS {quote(table)} CASCADE")
        for (type_name,) in connection.exec_driver_sql(
            "SELECT t.typname FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace "
            "WHERE n.nspname = current_schema() AND t.typtype IN ('e', 'd')"
        ).all():
            connection.exec_driver_sql(f"DROP TYPE IF EXISTS {quote(type_name)} CASCADE")
        for (sequence,) in connection.exec_driver_sql(
            "SELECT sequence_name FROM information_schema.sequences "
            "WHERE sequence_schema = current_schema()"
        ).all():
            connection.exec_driver_sql(f"DROP SEQUENCE IF EXISTS {quote(sequence)} CASCADE")
    else:
        connection.exec_driver_sql("SET FOREIGN_KEY_CHECKS = 0")
        for table, kind in connection.exec_driver_sql("SHOW FULL TABLES").all():
            word = "VIEW" if kind == "VIEW" else "TABLE"
            connection.exec_driver_sql(f"DROP {word} IF EXISTS {quote(table)}")
        connection.exec_driver_sql("SET FOREIGN_KEY_CHECKS = 1")
    if connection.in_transaction():
        connection.commit()
