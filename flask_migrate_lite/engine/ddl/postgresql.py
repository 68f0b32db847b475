"""PostgreSQL: standard ALTER COLUMN forms, ``USING`` for type changes, COMMENT ON.

The generic elements of :mod:`.base` already render PostgreSQL's syntax; this module adds
``postgresql_using=`` for type changes (``ALTER COLUMN c TYPE INTEGER USING c::integer``).
Indexes take SQLAlchemy's ``postgresql_*`` options (``postgresql_concurrently=True``,
``postgresql_where=``...); a concurrent index must be built outside a transaction, inside
``with op.get_context().autocommit_block():``. DDL is transactional.

A table or column using a named :class:`~sqlalchemy.Enum` needs its type first: creating the
table (or adding the column) creates the type when it does not exist yet, online by looking
it up and offline with a guarded ``DO`` block (quoted with a dollar tag that none of the
labels contains), so scripts written for Alembic run unchanged.
The type goes in the schema SQLAlchemy gives it (its own ``schema=``, else the metadata's,
else the default schema) — the one the column's type is written with — not necessarily the
table's.
Dropping a table leaves its types, as Alembic does; autogenerate writes the ``DROP TYPE``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any, ClassVar, Literal

from sqlalchemy import ARRAY, Column, Enum, Identity, Table, text
from sqlalchemy.dialects.postgresql import CreateEnumType
from sqlalchemy.engine import Connection
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.ddl import ExecutableDDLElement
from sqlalchemy.sql.elements import TextClause
from sqlalchemy.types import TypeEngine

from ..errors import CommandError
from .base import (
    AlterColumnDefault,
    DefaultImpl,
    ServerDefault,
    column_table,
    render_server_default,
)
from .compare_rules import TypeParts, outside_literals, without_parentheses
from .postgresql_casts import (
    converted_default,
    current_default,
    is_constant,
    unconvertible_values,
    using_expression,
)
from .postgresql_identity import identity_statements
from .sql_expressions import drop_casts, like_words, spelling, unfold_any_array

__all__ = ["GuardedCreateType", "PostgresqlImpl"]


class GuardedCreateType(ExecutableDDLElement):
    """``CREATE TYPE`` in a ``DO`` block that does nothing when the type already exists."""

    inherit_cache = False

    def __init__(self, create: CreateEnumType) -> None:
        self.create = create


def dollar_tag(body: str) -> str:
    """A dollar-quote tag (``$$``, ``$fml$``, ``$fml1$``...) that ``body`` does not contain."""
    tag, number = "$$", 0
    while tag in body:
        tag = f"$fml{number or ''}$"
        number += 1
    return tag


@compiles(GuardedCreateType, "postgresql")
def _guarded_create_type(element: GuardedCreateType, compiler: Any, **kw: Any) -> str:
    create = compiler.process(element.create, **kw)
    body = f"BEGIN {create}; EXCEPTION WHEN duplicate_object THEN NULL; END"
    tag = dollar_tag(body)
    return f"DO {tag} {body} {tag}"


# -- what the catalog reports (autogenerate's comparison) ------------------------------------

# A cast: ``::name``, ``::"Quoted"``, ``::schema.name``, ``::character varying``,
# ``::timestamp without time zone``, ``::numeric(10,2)``, ``::integer[]``.
_IDENT = r'(?:"[^"]+"|[a-z_][a-z0-9_$]*)'
_CAST = re.compile(
    rf"::{_IDENT}(?:\.{_IDENT})?"
    r"(?:\s+(?:varying|precision|with(?:out)?\s+time\s+zone))*"
    r"(?:\(\d+(?:,\s*\d+)?\))?(?:\[\])*",
    re.IGNORECASE,
)
_ZONES = ("WITH TIME ZONE", "WITHOUT TIME ZONE")


def _canonical_type(name: str, args: list[str]) -> tuple[str, list[str]]:
    if name == "FLOAT":
        bits = int(args[0]) if args and args[0].isdigit() else 53
        return ("REAL" if bits <= 24 else "DOUBLE PRECISION"), []
    if name == "DOUBLE PRECISION":
        return name, []
    if name == "CHAR" and not args:
        return name, ["1"]
    if name in ("TIMESTAMP WITHOUT TIME ZONE", "TIMESTAMP WITH TIME ZONE") and args == ["6"]:
        return name, []  # 6 is the default precision
    return name, args


class PostgresqlImpl(DefaultImpl):
    """DDL for PostgreSQL."""

    display_name: ClassVar[str] = "PostgreSQL"
    transactional_ddl: ClassVar[bool] = True

    # -- what the catalog reports (autogenerate's comparison) ---------------------------------

    system_schema_prefix: ClassVar[str | None] = "pg_"
    named_enum_types: ClassVar[bool] = True
    type_aliases: ClassVar[Mapping[str, str]] = {
        "INT": "INTEGER",
        "INT4": "INTEGER",
        "INT8": "BIGINT",
        "INT2": "SMALLINT",
        "DECIMAL": "NUMERIC",
        "DOUBLE": "DOUBLE PRECISION",
        "FLOAT8": "DOUBLE PRECISION",
        "FLOAT4": "REAL",
        "NCHAR": "CHAR",
        "CHARACTER": "CHAR",
        "NVARCHAR": "VARCHAR",
        "CHARACTER VARYING": "VARCHAR",
        "BOOL": "BOOLEAN",
        "TIMESTAMP": "TIMESTAMP WITHOUT TIME ZONE",
        "TIME": "TIME WITHOUT TIME ZONE",
        "TIMESTAMPTZ": "TIMESTAMP WITH TIME ZONE",
        "TIMETZ": "TIME WITH TIME ZONE",
    }

    def default_sql(self, sql: str) -> str:
        """Without the casts PostgreSQL adds (``'x'::character varying``)."""
        return without_parentheses(outside_literals(sql, lambda part: _CAST.sub("", part)))

    def expression_sql(self, sql: str) -> str:
        """Without the casts PostgreSQL adds; its ``= ANY (ARRAY[...])`` as ``IN``, its
        ``~~`` as ``LIKE``."""
        return spelling(sql, lambda parts: like_words(unfold_any_array(drop_casts(parts))))

    def type_parts(self, name: str, args: list[str], rest: str) -> TypeParts:
        """Time zones as part of the name, FLOAT(p) as REAL or DOUBLE PRECISION, default
        precisions left out."""
        if rest in _ZONES:
            name, rest = f"{name} {rest}", ""
        name, args = _canonical_type(self.type_aliases.get(name, name), args)
        return name, args, rest

    # -- type changes (autogenerate) --------------------------------------------------------

    def conversion_using(
        self,
        connection: Connection,
        column_name: str,
        old: TypeEngine[Any],
        new: TypeEngine[Any],
    ) -> str | None:
        """``col::type`` for the changes the server has no assignment cast for."""
        return using_expression(connection, column_name, old, new)

    def unconvertible_rows(
        self,
        connection: Connection,
        table_name: str,
        schema: str | None,
        column_name: str,
        old: TypeEngine[Any],
        new: TypeEngine[Any],
    ) -> tuple[int, list[Any]]:
        """The text values ``USING col::type`` would fail on (see :mod:`.postgresql_casts`)."""
        return unconvertible_values(connection, table_name, schema, column_name, old, new)

    # -- DDL ----------------------------------------------------------------------------------

    def type_using(self, kw: Mapping[str, Any]) -> str | TextClause | None:
        """``postgresql_using=`` of ``op.alter_column``: how old values convert."""
        using = kw.get("postgresql_using")
        if using is None or isinstance(using, str):
            return using
        if isinstance(using, TextClause):
            # The DDL compiler cannot render SQL expressions; the expression compiler can.
            compiled = using.compile(dialect=self.dialect, compile_kwargs={"literal_binds": True})
            return str(compiled)
        raise CommandError("postgresql_using= must be SQL text or a text() expression.")

    def alter_column(
        self,
        table_name: str,
        column_name: str,
        *,
        type_: TypeEngine[Any] | None = None,
        server_default: ServerDefault | Literal[False] = False,
        schema: str | None = None,
        existing_server_default: ServerDefault | Literal[False] = False,
        **kw: Any,
    ) -> None:
        """A type change on a column with a server default drops the default first and
        sets it again afterwards, converted to the new type (or as given): needed with
        ``USING``, which PostgreSQL cannot apply to the default, and done online for a
        constant default too, so that it is written as the new type's literal.

        An identity given as ``server_default`` (or replaced by one) is added, changed or
        dropped by its own statements (:mod:`.postgresql_identity`). Whether the column has
        one already is read from the database (offline: ``existing_server_default``)."""
        existing: object = existing_server_default
        if server_default is not False and not isinstance(existing, Identity):
            if isinstance(server_default, Identity) or server_default is None:
                existing = self._current_identity(table_name, column_name, schema) or existing
        if server_default is not False and (
            isinstance(server_default, Identity) or isinstance(existing, Identity)
        ):
            new = server_default if isinstance(server_default, Identity) else None
            for statement in identity_statements(
                self.dialect.identifier_preparer, table_name, column_name, schema, new, existing
            ):
                self.execute(statement)
            if server_default is None or new is not None:
                server_default = False
        if type_ is not None and server_default is False:
            using = self.type_using(kw) is not None
            old = self._default_now(table_name, column_name, schema, existing_server_default)
            online = not self.as_sql
            if old is not None and (using or (online and is_constant(old))):
                self.execute(AlterColumnDefault(table_name, column_name, None, schema))
                server_default = self._converted(table_name, column_name, old, type_)
        elif type_ is not None and self.type_using(kw) is not None:
            # A new default is set after the type changes; the old one must go first.
            if self._default_now(table_name, column_name, schema, existing_server_default):
                self.execute(AlterColumnDefault(table_name, column_name, None, schema))
        super().alter_column(
            table_name,
            column_name,
            type_=type_,
            server_default=server_default,
            schema=schema,
            existing_server_default=existing_server_default,
            **kw,
        )

    def _default_now(
        self,
        table_name: str,
        column_name: str,
        schema: str | None,
        existing: ServerDefault | Literal[False],
    ) -> str | None:
        # Online the catalog says; offline only existing_server_default= can.
        if not self.as_sql and self.connection is not None:
            return current_default(self.connection, table_name, column_name, schema)
        if existing is False:
            return None
        return render_server_default(self.ddl_compiler(), existing)

    def _converted(
        self, table_name: str, column_name: str, old: str, type_: TypeEngine[Any]
    ) -> TextClause:
        new_sql = str(type_.compile(dialect=self.dialect))
        connection = None if self.as_sql else self.connection
        try:
            return text(converted_default(connection, old, new_sql))
        except ValueError as error:
            raise CommandError(
                f"The server default {old} of column '{table_name}.{column_name}' cannot be "
                f"converted to {new_sql} ({error}); give the alter_column a server_default= "
                "for the new type."
            ) from None

    def _current_identity(
        self, table_name: str, column_name: str, schema: str | None
    ) -> Identity | None:
        """The column's identity as the database has it now; ``None`` offline or without."""
        if self.as_sql or self.connection is None:
            return None
        preparer = self.dialect.identifier_preparer
        table = preparer.quote(table_name)
        if schema:
            table = f"{preparer.quote_schema(schema)}.{table}"
        kind = self.connection.execute(
            text(
                "SELECT attidentity FROM pg_catalog.pg_attribute "
                "WHERE attrelid = CAST(:table AS regclass) AND attname = :column"
            ),
            {"table": table, "column": column_name},
        ).scalar()
        if not kind:
            return None
        return Identity(always=kind == "a")

    def create_table(self, table: Table, *, if_not_exists: bool | None = None) -> None:
        """Create the enum types the table needs, then the table."""
        self.create_enum_types(table.columns)
        super().create_table(table, if_not_exists=if_not_exists)

    def add_column(
        self, table_name: str, column: Column[Any], *, schema: str | None = None
    ) -> None:
        """Create the column's enum type if needed, then add the column."""
        # Attached to its table first: that settles the schema of the column's type.
        column_table(table_name, column, schema)
        self.create_enum_types([column])
        super().add_column(table_name, column, schema=schema)

    def create_enum_types(self, columns: Iterable[Column[Any]]) -> None:
        """``CREATE TYPE ... AS ENUM`` for each named native enum that does not exist yet.

        Arrays of an enum need the type too. Each type is created in its own schema
        (``None``: the default one), where the column's type refers to it; a table's schema
        does not carry over to its types.
        """
        seen: set[tuple[str | None, str]] = set()
        for column in columns:
            type_ = column.type
            if isinstance(type_, ARRAY):
                type_ = type_.item_type  # an array of an enum needs the enum type
            if not isinstance(type_, Enum) or not type_.native_enum or not type_.name:
                continue
            type_schema = type_.schema
            key = (type_schema, type_.name)
            if key in seen:
                continue
            seen.add(key)
            # Labels are literals compiled by the dialect, so they are escaped as the
            # connection or the script needs (quotes, backslashes, percent signs).
            create = CreateEnumType(type_)
            if self.as_sql:
                self.execute(GuardedCreateType(create))
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
