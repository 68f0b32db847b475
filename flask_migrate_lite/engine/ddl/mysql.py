"""MySQL and MariaDB: CHANGE/MODIFY COLUMN with the full column definition.

MySQL changes a column's type, nullability or comment only by restating the whole column
(``MODIFY COLUMN c <type> [NOT] NULL DEFAULT ... COMMENT ...``). Online, ``alter_column``
reads the column's current definition (:mod:`.mysql_columns`) and restates what the call
does not give: type, nullability, default (with its ``ON UPDATE``), comment,
``AUTO_INCREMENT``, and the column's own character set and collation. Offline nothing can be
read, so ``existing_type`` and ``existing_nullable`` are required for the parts the call
does not change; without them the column would silently lose its NOT NULL. A default alone
changes with ``ALTER COLUMN ... SET/DROP DEFAULT`` and a name alone with ``RENAME COLUMN``.
Dropping a constraint needs its kind (``DROP FOREIGN KEY``, ``DROP INDEX``, ``DROP CHECK``;
MariaDB ``DROP CONSTRAINT``). DDL commits implicitly, so ``transactional_ddl`` is false.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import replace
from typing import Any, ClassVar, Literal

from sqlalchemy import literal_column
from sqlalchemy.engine import Connection, CursorResult
from sqlalchemy.engine.interfaces import ReflectedForeignKeyConstraint, ReflectedIndex
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.schema import Constraint, CreateIndex, DropIndex, Index
from sqlalchemy.sql.compiler import DDLCompiler
from sqlalchemy.types import String, TypeEngine

from ..errors import CommandError, UnsupportedOperation
from .base import (
    AlterColumnDefault,
    AlterTable,
    Construct,
    DefaultImpl,
    Params,
    RenameColumn,
    RenameTable,
    ServerDefault,
    _alter,
    _compiler,
    format_column_name,
    format_table_name,
    render_server_default,
)
from .compare_rules import TypeParts
from .mysql_columns import CurrentColumn, read_column
from .mysql_convert import unreadable_numbers
from .mysql_online import OnlineClause, WithOnlineClause, online_clause
from .sql_expressions import rename_functions, spelling

__all__ = ["MySQLChangeColumn", "MySQLImpl"]


class MySQLChangeColumn(AlterTable):
    """``CHANGE COLUMN old new <definition>``, or ``MODIFY COLUMN`` when the name stays."""

    def __init__(
        self,
        table_name: str,
        column_name: str,
        *,
        new_name: str | None,
        type_: TypeEngine[Any],
        nullable: bool,
        default: ServerDefault,
        autoincrement: bool,
        comment: str | None,
        schema: str | None = None,
        charset: str | None = None,
        collation: str | None = None,
        check: str | None = None,
    ) -> None:
        super().__init__(table_name, schema)
        self.column_name = column_name
        self.new_name = new_name
        self.type_ = type_
        self.nullable = nullable
        self.default = default
        self.autoincrement = autoincrement
        self.comment = comment
        #: Restated after a character type that does not name its own.
        self.charset = charset
        self.collation = collation
        #: A column-level CHECK condition (MariaDB keeps those in the column definition).
        self.check = check


def _mysql_default(compiler: DDLCompiler, default: ServerDefault) -> str | None:
    rendered = render_server_default(compiler, default)
    # MySQL 8 takes expression defaults in parentheses; literals, CURRENT_TIMESTAMP and
    # NOW(n) stand alone (MariaDB accepts both).
    if (
        rendered is not None
        and not re.match(r"^\s*['\"(]", rendered)
        and re.search(r"\W", rendered)
        and not re.match(r"^(now|current_timestamp)(\(\d*\))?$", rendered, re.IGNORECASE)
        and not re.match(r"^-?[\d.]+$", rendered)
    ):
        return f"({rendered})"
    return rendered


# What the server writes after a default that is refreshed on update.
_ON_UPDATE = re.compile(r"^(?P<default>[^'\"]\S*)\s+(?P<on_update>ON\s+UPDATE\s+.+)$", re.I | re.S)


def _default_clause(compiler: DDLCompiler, default: ServerDefault) -> str | None:
    """``DEFAULT x``, with an ``ON UPDATE ...`` the default's SQL carries kept after it."""
    rendered = render_server_default(compiler, default)
    if rendered is None:
        return None
    split = _ON_UPDATE.match(rendered.strip())
    if split is None:
        return f"DEFAULT {_mysql_default(compiler, default)}"
    value = _mysql_default(compiler, literal_column(split["default"]))
    return f"DEFAULT {value} {split['on_update']}"


def _character_set(element: MySQLChangeColumn, type_sql: str) -> list[str]:
    """The column's character set and collation, for a character type naming neither."""
    upper = f" {type_sql.upper()} "
    if not isinstance(element.type_, String) or any(
        word in upper for word in (" CHARACTER SET ", " COLLATE ", " NATIONAL ", " BINARY ")
    ):
        return []
    parts = []
    if element.charset:
        parts.append(f"CHARACTER SET {element.charset}")
    if element.collation:
        parts.append(f"COLLATE {element.collation}")
    return parts


@compiles(MySQLChangeColumn)
def _change_column(element: MySQLChangeColumn, compiler: Any, **kw: Any) -> str:
    ddl = _compiler(compiler)
    old = format_column_name(ddl, element.column_name)
    if element.new_name is not None:
        head = f"CHANGE COLUMN {old} {format_column_name(ddl, element.new_name)}"
    else:
        head = f"MODIFY {old}"
    type_sql = ddl.dialect.type_compiler_instance.process(element.type_)
    parts = [head, type_sql, *_character_set(element, type_sql)]
    parts.append("NULL" if element.nullable else "NOT NULL")
    default = _default_clause(ddl, element.default)
    if default is not None:
        parts.append(default)
    if element.autoincrement:
        parts.append("AUTO_INCREMENT")
    if element.comment is not None:
        parts.append("COMMENT " + ddl.sql_compiler.render_literal_value(element.comment, String()))
    if element.check is not None:
        parts.append(f"CHECK ({element.check})")
    return f"{_alter(ddl, element)} {' '.join(parts)}"


@compiles(AlterColumnDefault, "mysql")
@compiles(AlterColumnDefault, "mariadb")
def _mysql_alter_default(element: AlterColumnDefault, compiler: Any, **kw: Any) -> str:
    ddl = _compiler(compiler)
    column = format_column_name(ddl, element.column_name)
    default = _mysql_default(ddl, element.default)
    action = "DROP DEFAULT" if default is None else f"SET DEFAULT {default}"
    return f"{_alter(ddl, element)} ALTER COLUMN {column} {action}"


@compiles(RenameTable, "mysql")
@compiles(RenameTable, "mariadb")
def _mysql_rename_table(element: RenameTable, compiler: Any, **kw: Any) -> str:
    ddl = _compiler(compiler)
    # An unqualified new name would move the table into the connection's default database.
    new = format_table_name(ddl, element.new_table_name, element.schema)
    return f"{_alter(ddl, element)} RENAME {new}"


def _kept_check(
    check: str | None, column_name: str, new_name: str | None, type_: TypeEngine[Any] | None
) -> str | None:
    """The column's own CHECK condition as the restated column keeps it.

    A renamed column's condition names it by its new name. A JSON column's ``json_valid``
    check goes with a new type (a new JSON type brings its own).
    """
    if check is None:
        return None
    quoted = f"`{column_name.replace('`', '``')}`"
    if type_ is not None and check == f"json_valid({quoted})":
        return None
    if new_name is not None:
        check = check.replace(quoted, f"`{new_name.replace('`', '``')}`")
    return check


# -- what the catalog reports (autogenerate's comparison) ------------------------------------

# Functions MariaDB and MySQL report under another of their names.
_FUNCTION_NAMES = {
    "lcase": "lower",
    "ucase": "upper",
    "octet_length": "length",
    "substr": "substring",
    "character_length": "char_length",
}
_CHARSET = re.compile(r"\s+(CHARACTER SET|CHARSET|COLLATE)\s+\S+", re.IGNORECASE)
_INTEGERS = {"TINYINT", "SMALLINT", "MEDIUMINT", "INTEGER", "BIGINT"}


def _canonical_type(name: str, args: list[str], rest: str, mariadb: bool) -> TypeParts:
    if name == "BOOLEAN" or (name == "TINYINT" and args == ["1"]):
        return "BOOLEAN", [], rest
    if name in _INTEGERS or name == "YEAR":
        # The display width changes nothing that is stored.
        return name, [], rest.replace("ZEROFILL", "").strip()
    if name == "DECIMAL":
        precision = args[0] if args else "10"
        scale = args[1] if len(args) > 1 else "0"
        return name, [precision, scale], rest
    if name == "FLOAT" and args:
        # FLOAT(p): single precision up to 24 bits, double beyond.
        bits = int(args[0]) if args[0].isdigit() else 0
        if len(args) == 1:
            return ("DOUBLE" if bits > 24 else "FLOAT"), [], rest
    if name == "CHAR" and not args:
        return name, ["1"], rest
    if name == "JSON" and mariadb:
        return "LONGTEXT", [], rest  # MariaDB's JSON is LONGTEXT with a json_valid() check
    return name, args, rest


class MySQLImpl(DefaultImpl):
    """DDL for MySQL and MariaDB."""

    display_name: ClassVar[str] = "MySQL"
    transactional_ddl: ClassVar[bool] = False

    # -- what the catalog reports (autogenerate's comparison) ---------------------------------

    system_schemas: ClassVar[frozenset[str]] = frozenset(
        {"information_schema", "mysql", "performance_schema", "sys"}
    )
    indexes_foreign_keys: ClassVar[bool] = True
    autoincrement_flag: ClassVar[bool] = True
    type_aliases: ClassVar[Mapping[str, str]] = {
        "INT": "INTEGER",
        "BOOL": "BOOLEAN",
        "NUMERIC": "DECIMAL",
        "DEC": "DECIMAL",
        "FIXED": "DECIMAL",
        "DOUBLE PRECISION": "DOUBLE",
        "REAL": "DOUBLE",
        "NCHAR": "CHAR",
        "NATIONAL CHAR": "CHAR",
        "NVARCHAR": "VARCHAR",
        "NATIONAL VARCHAR": "VARCHAR",
    }

    def foreign_key_rule(self, rule: str | None) -> str | None:
        """RESTRICT is MySQL's default rule, the same as NO ACTION: both compare as ``None``."""
        if rule is None:
            return None
        upper = rule.upper()
        return None if upper in ("NO ACTION", "RESTRICT") else upper

    def foreign_key_timing(
        self, deferrable: bool | None, initially: str | None
    ) -> tuple[bool, str]:
        """MySQL and MariaDB check every key at once and keep no DEFERRABLE: never a change."""
        return False, "IMMEDIATE"

    def is_foreign_key_index(
        self, index: ReflectedIndex, foreign_key: ReflectedForeignKeyConstraint
    ) -> bool:
        """MySQL names the index it creates for a key after the constraint, or after the
        first column when the constraint has no name of its own (``author_id``,
        ``author_id_2``)."""
        columns = tuple(foreign_key["constrained_columns"])
        if tuple(index.get("column_names") or ()) != columns:
            return False
        name = str(index.get("name") or "")
        return (
            name == foreign_key.get("name")
            or re.fullmatch(re.escape(columns[0]) + r"(_\d+)?", name) is not None
        )

    def reflected_foreign_key_name(self, table_name: str, name: str | None) -> str | None:
        """MySQL's own name for an unnamed key (``<table>_ibfk_<n>``): created again
        unnamed, the key gets the same name back and its index the same (column) name."""
        if re.fullmatch(re.escape(table_name) + r"_ibfk_\d+", str(name or "")):
            return None
        return name

    def expression_sql(self, sql: str) -> str:
        """With the server's other names for functions (``lcase``) as the usual ones."""
        return spelling(sql, lambda parts: rename_functions(parts, _FUNCTION_NAMES), backslash=True)

    def type_text(self, text: str) -> str:
        """Without the character set and collation, and ``NATIONAL``."""
        return re.sub(r"^NATIONAL ", "", _CHARSET.sub("", text))

    def type_parts(self, name: str, args: list[str], rest: str) -> TypeParts:
        """Display widths left out, DECIMAL's and CHAR's default arguments made explicit,
        TINYINT(1) as BOOLEAN, MariaDB's JSON as the LONGTEXT it is."""
        name = self.type_aliases.get(name, name)
        return _canonical_type(name, args, rest, bool(getattr(self.dialect, "is_mariadb", False)))

    # -- DDL ----------------------------------------------------------------------------------

    #: The ALGORITHM/LOCK clause for the next ALTER statement (see :meth:`online`).
    _online: OnlineClause | None = None

    @contextmanager
    def online(self, kw: Mapping[str, Any]) -> Iterator[None]:
        """Run the block's first ALTER (or CREATE/DROP INDEX) with the ``ALGORITHM``/``LOCK``
        clause that ``kw``'s ``mysql_algorithm``/``mysql_lock`` ask for (see
        :mod:`.mysql_online`)."""
        self._online = online_clause(kw, self.dialect, self.unsupported)
        try:
            yield
        finally:
            self._online = None

    def execute(
        self,
        construct: Construct,
        params: Params | None = None,
        *,
        execution_options: Mapping[str, Any] | None = None,
    ) -> CursorResult[Any] | None:
        """Run ``construct``; the first ALTER of an :meth:`online` block with its clause."""
        clause = self._online
        if clause is not None and isinstance(construct, AlterTable | CreateIndex | DropIndex):
            self._online = None
            construct = WithOnlineClause(construct, clause)
        return super().execute(construct, params, execution_options=execution_options)

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
        """Restate the column with MODIFY/CHANGE when its definition changes.

        What the call does not give is restated as the column is now (read online); offline
        ``existing_type`` and ``existing_nullable`` are required where not changed, and a
        server default that is not changed is kept only when ``existing_server_default``
        is given, since MySQL drops what the statement does not restate.
        """
        if type_ is None and nullable is None and comment is False and "autoincrement" not in kw:
            if server_default is not False:
                self.execute(AlterColumnDefault(table_name, column_name, server_default, schema))
            if name is not None:
                self.execute(RenameColumn(table_name, column_name, name, schema))
            return
        now = self._current_column(table_name, column_name, schema)
        if now is not None:
            existing_type = existing_type if existing_type is not None else now.type_
            if existing_nullable is None:
                existing_nullable = now.nullable
            if existing_server_default is False:
                existing_server_default = now.default
            if existing_comment is None:
                existing_comment = now.comment
            if "autoincrement" not in kw and "existing_autoincrement" not in kw:
                kw = {**kw, "existing_autoincrement": now.autoincrement}
        full_type = type_ if type_ is not None else existing_type
        full_nullable = nullable if nullable is not None else existing_nullable
        missing = [
            option
            for option, value in (
                ("existing_type", full_type),
                ("existing_nullable", full_nullable),
            )
            if value is None
        ]
        if full_type is None or full_nullable is None:
            raise self.unsupported(
                f"change column '{column_name}' of table '{table_name}' without its full "
                "definition, because MODIFY/CHANGE COLUMN restates the whole column",
                f"pass {' and '.join(m + '=' for m in missing)} (the column's current "
                f"{' and '.join(m.removeprefix('existing_') for m in missing)}) to alter_column",
            )
        default = server_default if server_default is not False else existing_server_default
        if now is not None and now.check is not None and type_ is not None:
            if _kept_check(now.check, column_name, None, type_) is None:
                # A JSON column that becomes another type leaves JSON's binary collation.
                now = replace(now, charset=None, collation=None)
        self.execute(
            MySQLChangeColumn(
                table_name,
                column_name,
                new_name=name,
                type_=full_type,
                nullable=full_nullable,
                default=None if default is False else default,
                autoincrement=bool(kw.get("autoincrement", kw.get("existing_autoincrement"))),
                comment=comment if comment is not False else existing_comment,
                schema=schema,
                charset=None if now is None else now.charset,
                collation=None if now is None else now.collation,
                check=None if now is None else _kept_check(now.check, column_name, name, type_),
            )
        )

    def _current_column(
        self, table_name: str, column_name: str, schema: str | None
    ) -> CurrentColumn | None:
        """The column as it is now; ``None`` offline, where there is nothing to read."""
        if self.as_sql or self.connection is None:
            return None
        now = read_column(self.connection, table_name, column_name, schema)
        if now is None:
            raise CommandError(
                f"Table '{table_name}' has no column '{column_name}' to alter; "
                "check the names given to alter_column."
            )
        if now.generated:
            raise self.unsupported(
                f"change the generated column '{column_name}' of table '{table_name}' with "
                "MODIFY COLUMN",
                "drop the column and add it again with its new definition",
            )
        return now

    def unconvertible_rows(
        self,
        connection: Connection,
        table_name: str,
        schema: str | None,
        column_name: str,
        old: TypeEngine[Any],
        new: TypeEngine[Any],
    ) -> tuple[int, list[Any]]:
        """The text values MODIFY would stop on when they become numbers (see
        :mod:`.mysql_convert`)."""
        return unreadable_numbers(connection, table_name, schema, column_name, old, new)

    def unsupported(self, operation: str, fix: str) -> UnsupportedOperation:
        """An :class:`UnsupportedOperation` naming MySQL or MariaDB, whichever this is."""
        name = "MariaDB" if getattr(self.dialect, "is_mariadb", False) else "MySQL"
        return UnsupportedOperation(name, operation, fix)

    def drop_constraint(self, constraint: Constraint) -> None:
        """``DROP FOREIGN KEY`` / ``DROP INDEX`` / ``DROP CHECK`` / ``DROP PRIMARY KEY``."""
        if type(constraint) is Constraint:
            raise self.unsupported(
                f"drop the constraint '{constraint.name}' of table '{constraint.table.name}' "
                "without knowing its kind, because each kind has its own DROP statement",
                "pass type_='foreignkey', 'unique', 'check' or 'primary' to drop_constraint",
            )
        super().drop_constraint(constraint)

    def drop_index(self, index: Index, *, if_exists: bool | None = None) -> None:
        """``DROP INDEX name ON table``: the table is required."""
        if index.table is None:
            raise self.unsupported(
                f"drop index '{index.name}' without its table, because DROP INDEX needs ON <table>",
                "pass table_name= to drop_index",
            )
        super().drop_index(index, if_exists=if_exists)

    def alter_column_comment(
        self,
        table_name: str,
        column_name: str,
        comment: str | None,
        schema: str | None,
        type_: TypeEngine[Any] | None,
    ) -> None:
        """Comments change through MODIFY in :meth:`alter_column`; never called alone."""
        raise AssertionError("MySQL column comments are changed by alter_column")
