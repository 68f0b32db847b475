"""Whether a table the engine keeps (the version table, the applied log) is there.

A run asks this a few times per database. SQLAlchemy's ``has_table`` on PostgreSQL looks the
name up in ``pg_class`` by name and filters by schema; where many schemas hold a table of
that name (a schema per tenant, each with its own ``alembic_version``) and the catalogs have
no statistics yet, the server walks every one of them, so the check costs time in
proportion to the number of schemas, on every run. On PostgreSQL the name is resolved
instead with ``to_regclass``, a single catalog-cache lookup whatever the size of the
catalogs; the answer is the same: a table, partitioned table, foreign table, view or
materialized view of that name in that schema (or, without a schema, the one the
``search_path`` finds first).
"""

from __future__ import annotations

from sqlalchemy import inspect as sa_inspect
from sqlalchemy import text
from sqlalchemy.engine import Connection

__all__ = ["table_exists"]

# The relation kinds has_table() counts as tables on PostgreSQL.
_TABLE_KINDS = frozenset({"r", "p", "f", "v", "m"})

_REGCLASS = text("SELECT c.relkind FROM pg_catalog.pg_class c WHERE c.oid = to_regclass(:name)")


def _qualified(connection: Connection, name: str, schema: str | None) -> str:
    # Both parts quoted: the name is compared exactly, as has_table compares it.
    quote = connection.dialect.identifier_preparer.quote_identifier
    if schema is None:
        return quote(name)
    return f"{quote(schema)}.{quote(name)}"


def table_exists(connection: Connection, name: str, schema: str | None = None) -> bool:
    """Whether the table ``name`` (in ``schema``, else where the connection looks first)
    exists on ``connection``."""
    if connection.dialect.name == "postgresql":
        kind = connection.execute(
            _REGCLASS, {"name": _qualified(connection, name, schema)}
        ).scalar()
        return kind is not None and str(kind) in _TABLE_KINDS
    return bool(sa_inspect(connection).has_table(name, schema=schema))
