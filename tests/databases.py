"""The test databases: the servers' URLs, emptying a database, and reading what it holds.

Fixtures that hand these databases to tests live in :mod:`tests.conftest`; the names of the
per-worker databases on the servers in :mod:`tests.server_databases`.
"""

from __future__ import annotations

import os
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa

from tests import server_databases

__all__ = [
    "MYSQL_URL",
    "POSTGRESQL_URL",
    "admin_engine",
    "connect",
    "dialect_of",
    "drop_stale_databases",
    "reset",
    "reset_mysql",
    "reset_postgresql",
    "run_script",
    "snapshot",
    "version_rows",
]

POSTGRESQL_URL = os.environ.get(
    "FML_TEST_POSTGRESQL_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
MYSQL_URL = os.environ.get("FML_TEST_MYSQL_URL", "mysql+pymysql://root@127.0.0.1:3306/test")

# Seconds after which a subprocess of a test counts as hung. Not a wait: tests wait for
# conditions; this only ends a run that would never finish, so it is far longer than any
# command takes on a busy machine.
HANG = 600


def dialect_of(url: str) -> str:
    """``sqlite``, ``postgresql`` or ``mysql``."""
    name = sa.make_url(url).get_backend_name()
    return "mysql" if name == "mariadb" else name


def admin_engine(url: str) -> sa.Engine:
    """An engine in autocommit mode without a pool, for creating and dropping things."""
    return sa.create_engine(url, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)


def drop_stale_databases(conn: sa.Connection) -> list[str]:
    """Drop the databases that interrupted runs on this machine left; returns their names."""
    prefix = server_databases.prefix()
    if conn.dialect.name == "postgresql":
        listed = "SELECT datname FROM pg_database WHERE datname LIKE :p"
        drop = 'DROP DATABASE IF EXISTS "{}" WITH (FORCE)'
    else:
        listed = "SELECT schema_name FROM information_schema.schemata WHERE schema_name LIKE :p"
        drop = "DROP DATABASE IF EXISTS `{}`"
    names = conn.scalars(sa.text(listed), {"p": prefix + "%"}).all()
    dropped = []
    for name in server_databases.stale(names, prefix, server_databases.host_tag()):
        try:
            conn.exec_driver_sql(drop.format(name))
        except sa.exc.DBAPIError:
            continue  # another worker dropped it first, or it is busy: the next run retries
        dropped.append(name)
    return dropped


def _quoted(conn: sa.Connection, name: str) -> str:
    # Quoted as the dialect quotes names: with each % doubled where the driver reads the
    # statement as a format string (tests leave tables such as "100%_done" behind).
    return conn.dialect.identifier_preparer.quote_identifier(name)


def reset_postgresql(url: str) -> None:
    """Drop everything in the database's public schema (and its enum types)."""
    engine = admin_engine(url)
    with engine.connect() as conn:
        conn.exec_driver_sql("DROP SCHEMA IF EXISTS public CASCADE")
        conn.exec_driver_sql("CREATE SCHEMA public")
        for (schema,) in conn.exec_driver_sql(
            "SELECT nspname FROM pg_namespace WHERE nspname LIKE 'fml\\_%%'"
        ):
            conn.exec_driver_sql(f"DROP SCHEMA {_quoted(conn, schema)} CASCADE")
    engine.dispose()


def reset_mysql(url: str) -> None:
    """Drop every table of the database."""
    engine = admin_engine(url)
    with engine.connect() as conn:
        conn.exec_driver_sql("SET FOREIGN_KEY_CHECKS = 0")
        for table, _kind in conn.exec_driver_sql(
            "SHOW FULL TABLES WHERE Table_type = 'BASE TABLE'"
        ):
            conn.exec_driver_sql(f"DROP TABLE {_quoted(conn, table)}")
        for view, _kind in conn.exec_driver_sql("SHOW FULL TABLES WHERE Table_type = 'VIEW'"):
            conn.exec_driver_sql(f"DROP VIEW {_quoted(conn, view)}")
        conn.exec_driver_sql("SET FOREIGN_KEY_CHECKS = 1")
    engine.dispose()


def reset(url: str) -> None:
    """Empty the database at ``url``.

    A SQLite file is emptied rather than removed: pooled connections of a running app
    would keep the removed file open and find it read-only.
    """
    dialect = dialect_of(url)
    if dialect == "postgresql":
        reset_postgresql(url)
    elif dialect == "mysql":
        reset_mysql(url)
    else:
        with connect(url) as connection:
            connection.exec_driver_sql("PRAGMA foreign_keys = OFF")
            inspector = sa.inspect(connection)
            for view in inspector.get_view_names():
                connection.exec_driver_sql(f'DROP VIEW "{view}"')
            for table in inspector.get_table_names():
                connection.exec_driver_sql(f'DROP TABLE "{table}"')
            connection.commit()


@contextmanager
def connect(url: str) -> Iterator[sa.Connection]:
    """A connection of a throw-away engine."""
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as connection:
            yield connection
    finally:
        engine.dispose()


@contextmanager
def holding(url: str, sql: str, release_after: float | None = None) -> Iterator[sa.Connection]:
    """Another session that ran ``sql`` in a transaction it keeps open for the block, holding
    the locks ``sql`` took; rolled back at the end, or ``release_after`` seconds in (a timer
    the block's end waits for)."""
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as blocker:
            blocker.exec_driver_sql(sql).all()
            release = None
            if release_after is not None:
                release = threading.Timer(release_after, blocker.rollback)
                release.start()
            try:
                yield blocker
            finally:
                if release is not None:
                    release.join()
                blocker.rollback()
    finally:
        engine.dispose()


def version_rows(url: str) -> list[str] | None:
    """The sorted rows of ``alembic_version``, or None when the table does not exist."""
    with connect(url) as connection:
        if not sa.inspect(connection).has_table("alembic_version"):
            return None
        return sorted(connection.scalars(sa.text("SELECT version_num FROM alembic_version")))


#: The applied log the commands keep beside the version table. Its rows hold times, hosts and
#: durations, so the helpers below leave it out; its own tests read it.
APPLIED_LOG = "alembic_version_log"


def tables(url: str) -> set[str]:
    """The tables of the database (but the applied log)."""
    with connect(url) as connection:
        return set(sa.inspect(connection).get_table_names()) - {APPLIED_LOG}


def _value(value: Any) -> Any:
    return value if isinstance(value, (int, str, type(None))) else str(value)


def snapshot(url: str, *, rows: bool = True) -> dict[str, Any]:
    """Everything reflection sees of each table, and (with ``rows``) the rows of each.

    Columns with their compiled type, nullability and server default, the primary key,
    indexes, unique constraints and foreign keys, so two snapshots are equal exactly when the
    schemas are. The applied log is left out (see :data:`APPLIED_LOG`).
    """
    result: dict[str, Any] = {}
    with connect(url) as connection:
        inspector = sa.inspect(connection)
        dialect = connection.dialect
        for table in sorted(set(inspector.get_table_names()) - {APPLIED_LOG}):
            columns = [
                (c["name"], c["type"].compile(dialect=dialect), c["nullable"], c.get("default"))
                for c in inspector.get_columns(table)
            ]
            indexes = sorted(
                (i["name"], tuple(i["column_names"]), bool(i["unique"]))
                for i in inspector.get_indexes(table)
            )
            uniques = sorted(
                (u["name"], tuple(u["column_names"]))
                for u in inspector.get_unique_constraints(table)
            )
            fks = sorted(
                (
                    f["name"],
                    tuple(f["constrained_columns"]),
                    f["referred_table"],
                    tuple(f["referred_columns"]),
                )
                for f in inspector.get_foreign_keys(table)
            )
            pk = inspector.get_pk_constraint(table)
            entry: dict[str, Any] = {
                "columns": columns,
                "pk": tuple(pk["constrained_columns"]),
                "indexes": indexes,
                "uniques": uniques,
                "foreign_keys": fks,
            }
            if rows:
                quoted = dialect.identifier_preparer.quote(table)
                found = connection.exec_driver_sql(f"SELECT * FROM {quoted}").all()
                entry["rows"] = sorted((tuple(_value(v) for v in row) for row in found), key=repr)
            result[table] = entry
    return result


def run_script(url: str, sql: str) -> None:
    """Run ``sql`` with the database's own command-line client, stopping at the first error.

    The clients run with a default encoding that is not UTF-8 (LATIN1 for ``psql``, the C
    locale's for ``mariadb``), so a script must say what encoding it is written in.
    """
    parsed = sa.make_url(url)
    dialect = dialect_of(url)
    env = {**os.environ, "LC_ALL": "C", "LANG": "C", "PGCLIENTENCODING": "LATIN1"}
    if dialect == "sqlite":
        assert parsed.database
        command = ["sqlite3", "-bail", parsed.database]
    elif dialect == "postgresql":
        command = ["psql", "-X", "-h", parsed.host or "127.0.0.1", "-p", str(parsed.port or 5432)]
        command += ["-U", parsed.username or "postgres", "-d", str(parsed.database)]
        command += ["-v", "ON_ERROR_STOP=1", "-q"]
    else:
        command = ["mariadb", "-h", parsed.host or "127.0.0.1", "-P", str(parsed.port or 3306)]
        command += ["-u", parsed.username or "root", str(parsed.database)]
    done = subprocess.run(
        command, input=sql.encode("utf-8"), capture_output=True, env=env, timeout=HANG
    )
    stderr = done.stderr.decode("utf-8", "replace")
    assert done.returncode == 0 and not stderr.strip(), stderr + "\n" + sql
