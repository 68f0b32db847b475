"""PostgreSQL: standard ALTER COLUMN forms, ``USING`` for type changes, COMMENT ON.

The generic elements of :mod:`.base` already render PostgreSQL's syntax; this module adds
``postgresql_using=`` for type changes (``ALTER COLUMN c TYPE INTEGER USING c::integer``).
Indexes take SQLAlchemy's ``postgresql_*`` options (``postgresql_concurrently=True``,
``postgresql_where=``...); a concurrent index must be built outside a transaction, inside
``with op.get_context().autocommit_block():``. DDL is transactional.

A table or column using a named :class:`~sqlalchemy.Enum` needs its type first: creating the
table (or adding the column) creates the type when it does not exist yet, online by looking
it up and offline with a guarded ``DO`` block, so scripts written for Alembic run unchanged.
Dropping a table leaves its types, as Alembic does; autogenerate writes the ``DROP TYPE``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, ClassVar

from sqlalchemy import Column, Enum, Table, text
from sqlalchemy.sql.elements import TextClause

from ..errors import CommandError
from .base import DefaultImpl

__all__ = ["PostgresqlImpl"]


class PostgresqlImpl(DefaultImpl):
    """DDL for PostgreSQL."""

    display_name: ClassVar[str] = "PostgreSQL"
    transactional_ddl: ClassVar[bool] = True

    def type_using(self, kw: Mapping[str, Any]) -> str | TextClause | None:
        """``postgresql_using=`` of ``op.alter_column``: how old values convert."""
        using = kw.get("postgresql_using")
        if using is None or isinstance(using, str | TextClause):
            return using
        raise CommandError("postgresql_using= must be SQL text or a text() expression.")

    def create_table(self, table: Table, *, if_not_exists: bool | None = None) -> None:
        """Create the enum types the table needs, then the table."""
        self.create_enum_types(table.columns, table.schema)
        super().create_table(table, if_not_exists=if_not_exists)

    def add_column(
        self, table_name: str, column: Column[Any], *, schema: str | None = None
    ) -> None:
        """Create the column's enum type if needed, then add the column."""
        self.create_enum_types([column], schema)
        super().add_column(table_name, column, schema=schema)

    def create_enum_types(self, columns: Iterable[Column[Any]], schema: str | None) -> None:
        """``CREATE TYPE ... AS ENUM`` for each named native enum that does not exist yet."""
        seen: set[tuple[str | None, str]] = set()
        for column in columns:
            type_ = column.type
            if not isinstance(type_, Enum) or not type_.native_enum or not type_.name:
                continue
            type_schema = type_.schema or schema
            key = (type_schema, type_.name)
            if key in seen:
                continue
            seen.add(key)
            preparer = self.dialect.identifier_preparer
            name = preparer.quote(type_.name)
            if type_schema:
                name = f"{preparer.quote_schema(type_schema)}.{name}"
            values = ", ".join("'" + value.replace("'", "''") + "'" for value in type_.enums)
            create = f"CREATE TYPE {name} AS ENUM ({values})"
            if self.as_sql:
                self.execute(
                    f"DO $$ BEGIN {create}; EXCEPTION WHEN duplicate_object THEN NULL; END $$"
                )
                continue
            assert self.connection is not None
            exists = self.connection.execute(
                text(
                    "SELECT 1 FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace "
                    "WHERE t.typname = :name AND n.nspname = coalesce(:schema, current_schema())"
                ),
                {"name": type_.name, "schema": type_schema},
            ).first()
            if exists is None:
                self.execute(create)
