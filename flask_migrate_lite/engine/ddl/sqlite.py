"""SQLite: the ALTER TABLE forms it has, and clear errors for the ones it lacks.

SQLite's ALTER TABLE can add a column (with limits), drop one (3.35+), rename a table and
rename a column (3.25+). Changing a column's type, nullability or default and adding or
dropping constraints need the table rebuilt, which is what ``op.batch_alter_table`` does;
the errors here say so. SQLite stores no comments, so comment operations do nothing (as
SQLAlchemy's CREATE TABLE ignores them there). DDL is transactional.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, ClassVar, Literal

from sqlalchemy import Column, Table, func
from sqlalchemy import column as sql_column
from sqlalchemy import table as sql_table
from sqlalchemy.engine import Connection
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.schema import Computed, Constraint, ForeignKeyConstraint, Identity
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.types import TypeEngine

from ..errors import CommandError, UnsupportedOperation
from .base import (
    AddColumn,
    DefaultImpl,
    ServerDefault,
    _alter,
    _compiler,
    render_server_default,
)
from .sqlite_batch import needs_foreign_keys_off, rebuild_extras, sqlite_affinity
from .sqlite_convert import copy_expression, kind_of, shown, unconvertible

__all__ = ["SQLiteImpl"]

# SQLite's ADD COLUMN needs a constant default: no CURRENT_* value and no function call.
_NON_CONSTANT = re.compile(r"\bCURRENT_(?:TIME|DATE|TIMESTAMP)\b|\w\s*\(", re.IGNORECASE)
_STRING_LITERAL = re.compile(r"'(?:[^']|'')*'")


def _batch_hint(table_name: str, call: str) -> str:
    return (
        f"use 'with op.batch_alter_table(\"{table_name}\") as batch_op:' and "
        f"batch_op.{call}(...) instead, which rebuilds the table keeping its rows"
    )


@compiles(AddColumn, "sqlite")
def _sqlite_add_column(element: AddColumn, compiler: Any, **kw: Any) -> str:
    ddl = _compiler(compiler)
    spec = ddl.get_column_specification(element.column)
    # SQLite has no ADD CONSTRAINT, but a single-column REFERENCES clause may be inline.
    for key in sorted(element.column.foreign_keys, key=lambda fk: fk.target_fullname):
        *qualifier, table_name, column_name = key.target_fullname.split(".")
        target = ddl.preparer.quote(table_name)
        if qualifier:
            target = f"{ddl.preparer.quote_schema('.'.join(qualifier))}.{target}"
        spec += f" REFERENCES {target} ({ddl.preparer.quote(column_name)})"
        spec += ddl.define_constraint_cascades(key.constraint) if key.constraint else ""
    return f"{_alter(ddl, element)} ADD COLUMN {spec}"


class SQLiteImpl(DefaultImpl):
    """DDL for SQLite."""

    display_name: ClassVar[str] = "SQLite"
    transactional_ddl: ClassVar[bool] = True

    # -- what the catalog reports (autogenerate's comparison) ---------------------------------

    text_types_alike: ClassVar[bool] = True
    #: Unnamed unique constraints and foreign keys, named so a batch can drop them.
    unnamed_constraint_convention: ClassVar[Mapping[str, str] | None] = {
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    }
    type_aliases: ClassVar[Mapping[str, str]] = {"INT": "INTEGER", "BOOL": "BOOLEAN"}

    def time_of_day(self, value: ColumnElement[Any]) -> ColumnElement[bool]:
        """A time of day other than midnight in the text SQLAlchemy stores a DATETIME as."""
        return func.strftime("%H:%M:%f", value) != "00:00:00.000"

    def unconvertible_rows(
        self,
        connection: Connection,
        table_name: str,
        schema: str | None,
        column_name: str,
        old: TypeEngine[Any],
        new: TypeEngine[Any],
    ) -> tuple[int, list[Any]]:
        """The values a batch rebuild would refuse to convert (see :meth:`check_copy`)."""
        if kind_of(old) == kind_of(new):
            return 0, []
        value = sql_table(table_name, sql_column(column_name), schema=schema).c[column_name]
        return unconvertible(connection, value, self.copy_value(value, old, new), new)

    # -- DDL ----------------------------------------------------------------------------------

    def _need_version(self, version: tuple[int, int], operation: str, table_name: str) -> None:
        # Offline there is no server to ask; the script is written for a current SQLite.
        if self.as_sql or self.dialect.server_version_info is None:
            return
        have = tuple(self.dialect.server_version_info[:2])
        if have < version:
            raise self.unsupported(
                f"{operation} before version {version[0]}.{version[1]} "
                f"(this is {'.'.join(str(p) for p in self.dialect.server_version_info)})",
                f"upgrade SQLite, or {_batch_hint(table_name, operation.split()[0] + '_column')}",
            )

    def check_add_column(self, table_name: str, column: Column[Any]) -> None:
        """Refuse the columns SQLite's ADD COLUMN cannot add, before any SQL runs."""
        where = f"add column '{column.name}' to table '{table_name}' with ALTER TABLE"
        hint = _batch_hint(table_name, "add_column")
        if column.primary_key:
            raise self.unsupported(f"{where} as a PRIMARY KEY", hint)
        if column.unique and not column.index:
            # unique=True with index=True becomes a CREATE UNIQUE INDEX, which SQLite can do.
            raise self.unsupported(f"{where} with a UNIQUE constraint", hint)
        default = self._default_sql(column.server_default)
        if default is not None and _NON_CONSTANT.search(_STRING_LITERAL.sub("''", default)):
            raise self.unsupported(f"{where} with the non-constant default {default}", hint)
        if not column.nullable and default is None and column.computed is None:
            raise self.unsupported(
                f"{where} as NOT NULL without a server_default",
                "give it a server_default, or add it nullable and make it NOT NULL later; "
                f"or {hint}",
            )

    def _default_sql(self, default: Any) -> str | None:
        if default is None or isinstance(default, Computed | Identity):
            return None
        return render_server_default(self.ddl_compiler(), default)

    def inline_constraint(self, constraint: Constraint) -> bool:
        """Foreign keys of an added column go inline as REFERENCES."""
        return isinstance(constraint, ForeignKeyConstraint)

    def add_constraint(self, constraint: Constraint) -> None:
        """SQLite has no ALTER TABLE ADD CONSTRAINT."""
        table = constraint.table.name
        raise self.unsupported(
            f"add the {_kind(constraint)} constraint {_named(constraint)}to table '{table}' "
            "with ALTER TABLE",
            _batch_hint(table, _create_call(constraint)),
        )

    def drop_constraint(self, constraint: Constraint) -> None:
        """SQLite has no ALTER TABLE DROP CONSTRAINT."""
        table = constraint.table.name
        raise self.unsupported(
            f"drop the constraint {_named(constraint)}of table '{table}' with ALTER TABLE",
            _batch_hint(table, "drop_constraint"),
        )

    def drop_column(
        self, table_name: str, column_name: str, *, schema: str | None = None, **kw: Any
    ) -> None:
        """``DROP COLUMN`` (SQLite 3.35+)."""
        self._need_version((3, 35), "drop column", table_name)
        super().drop_column(table_name, column_name, schema=schema, **kw)

    def alter_column(
        self,
        table_name: str,
        column_name: str,
        *,
        nullable: bool | None = None,
        server_default: ServerDefault | Literal[False] = False,
        name: str | None = None,
        type_: TypeEngine[Any] | None = None,
        comment: str | None | Literal[False] = False,
        schema: str | None = None,
        existing_type: TypeEngine[Any] | None = None,
        existing_server_default: ServerDefault | Literal[False] = False,
        existing_nullable: bool | None = None,
        existing_comment: str | None = None,
        **kw: Any,
    ) -> None:
        """Only a rename is possible in place; comments are not stored by SQLite."""
        changes = [
            what
            for what, changed in (
                ("type", type_ is not None),
                ("nullability", nullable is not None),
                ("server default", server_default is not False),
            )
            if changed
        ]
        if changes:
            raise self.unsupported(
                f"change the {' and '.join(changes)} of column '{column_name}' of table "
                f"'{table_name}' with ALTER TABLE",
                _batch_hint(table_name, "alter_column"),
            )
        if name is not None:
            self._need_version((3, 25), "rename column", table_name)
        super().alter_column(table_name, column_name, name=name, schema=schema)

    # -- batch mode: the table rebuild (see .batch) ------------------------------------------

    batch_rebuilds: ClassVar[bool] = True

    def adds_column_in_place(self, table_name: str, column: Column[Any]) -> bool:
        """ADD COLUMN adds neither constraints, nor a Boolean/Enum CHECK, nor a stored
        computed column, nor what :meth:`check_add_column` refuses: those need a rebuild."""
        if column.constraints or column.primary_key:
            return False
        if getattr(column.type, "create_constraint", False):
            return False
        if column.computed is not None and column.computed.persisted:
            return False
        try:
            self.check_add_column(table_name, column)
        except UnsupportedOperation:
            return False
        return True

    def alters_column_in_place(
        self, *, type_: bool, nullable: bool, server_default: bool, name: bool
    ) -> bool:
        """Only a comment change (which SQLite does not store) needs no rebuild."""
        return not (type_ or nullable or server_default or name)

    def check_rebuild(self, table_name: str, schema: str | None) -> None:
        """Refuse to drop a table other tables' foreign keys point at while they are enforced."""
        if self.as_sql or self.connection is None:
            return
        if needs_foreign_keys_off(self.connection, table_name, schema):
            raise self.unsupported(
                f"rebuild table '{table_name}' while PRAGMA foreign_keys is ON, "
                "because other tables' foreign keys point at it and dropping it would "
                "reject or delete their rows",
                "turn enforcement off before the migration's transaction begins "
                "(PRAGMA foreign_keys=OFF) and check PRAGMA foreign_key_check before COMMIT",
            )

    def rebuild_extras(self, table: Table) -> tuple[list[tuple[str, str]], dict[str, Any]]:
        """AUTOINCREMENT, STRICT, WITHOUT ROWID and expression indexes, from sqlite_master."""
        if self.connection is None:
            return [], {}
        return rebuild_extras(self.connection, table)

    def needs_cast(self, old: TypeEngine[Any], new: TypeEngine[Any]) -> bool:
        """A CAST where the storage class (affinity) changes, except into NUMERIC: that CAST
        would turn date strings and JSON into numbers, so those are left to the affinity."""
        compile_type = self.dialect.type_compiler_instance.process
        old_affinity = sqlite_affinity(compile_type(old))
        new_affinity = sqlite_affinity(compile_type(new))
        return old_affinity != new_affinity and new_affinity != "NUMERIC"

    def copy_value(
        self, value: ColumnElement[Any], old: TypeEngine[Any], new: TypeEngine[Any]
    ) -> ColumnElement[Any]:
        """The value in the form SQLAlchemy's SQLite type ``new`` reads (see
        :mod:`.sqlite_convert`), else as :meth:`needs_cast` says."""
        converted = copy_expression(value, old, new)
        return super().copy_value(value, old, new) if converted is None else converted

    def check_copy(
        self,
        table_name: str,
        column_name: str,
        value: ColumnElement[Any],
        copied: ColumnElement[Any],
        old: TypeEngine[Any],
        new: TypeEngine[Any],
    ) -> None:
        """Refuse a type change whose stored values the new type could not read."""
        if self.as_sql or self.connection is None or kind_of(old) == kind_of(new):
            return
        count, examples = unconvertible(self.connection, value, copied, new)
        if not count:
            return
        compile_type = self.dialect.type_compiler_instance.process
        rows = "1 row holds a value" if count == 1 else f"{count} rows hold values"
        examples_text = shown(examples)
        raise CommandError(
            f"Cannot change column '{table_name}.{column_name}' from {compile_type(old)} to "
            f"{compile_type(new)}: {rows} that SQLite cannot convert (such as {examples_text}); "
            "change or delete them first, for example with op.execute('UPDATE ...') before "
            "the batch."
        )


def _named(constraint: Constraint) -> str:
    return f"'{constraint.name}' " if constraint.name else ""


def _kind(constraint: Constraint) -> str:
    return {
        "ForeignKeyConstraint": "foreign key",
        "UniqueConstraint": "unique",
        "CheckConstraint": "check",
        "PrimaryKeyConstraint": "primary key",
    }.get(type(constraint).__name__, "")


def _create_call(constraint: Constraint) -> str:
    return {
        "ForeignKeyConstraint": "create_foreign_key",
        "UniqueConstraint": "create_unique_constraint",
        "CheckConstraint": "create_check_constraint",
        "PrimaryKeyConstraint": "create_primary_key",
    }.get(type(constraint).__name__, "create_unique_constraint")
