"""DDL emission shared by every dialect: :class:`DefaultImpl` and the ALTER TABLE elements.

SQL is built from SQLAlchemy's DDL constructs (``CreateTable``, ``AddConstraint``, ...) and
from the small :class:`AlterTable` elements below, all compiled by the connection's dialect.
Each element has a standard-SQL rendering here; ``sqlite.py``, ``postgresql.py`` and
``mysql.py`` register dialect renderings with ``@compiles`` and subclass :class:`DefaultImpl`
where a database needs a different statement or cannot do the operation at all.

Online, statements run on the connection. Offline (``as_sql``), they are compiled for the
database's command-line client (see :mod:`.offline`) and written to ``output`` with literal
values inlined, each followed by the terminator, the way a DBA would run them.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping, Sequence
from typing import Any, ClassVar, Literal, TextIO

from sqlalchemy import Column, MetaData, Table, text
from sqlalchemy.engine import Connection, CursorResult, Dialect
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.schema import (
    AddConstraint,
    Constraint,
    CreateIndex,
    CreateTable,
    DefaultClause,
    DropColumnComment,
    DropConstraint,
    DropIndex,
    DropTable,
    DropTableComment,
    FetchedValue,
    Index,
    PrimaryKeyConstraint,
    SetColumnComment,
    SetTableComment,
)
from sqlalchemy.sql.compiler import DDLCompiler
from sqlalchemy.sql.ddl import ExecutableDDLElement
from sqlalchemy.sql.elements import BindParameter, ClauseElement, ColumnElement, TextClause
from sqlalchemy.sql.expression import Executable, TableClause
from sqlalchemy.types import NULLTYPE, TypeEngine

from ..errors import CommandError, UnsupportedOperation
from .batch import BatchSupport
from .compare_rules import CompareRules
from .conversions import TypeConversions
from .offline import ScriptWriter, render_sql, script_dialect

__all__ = [
    "AddColumn",
    "AlterColumnDefault",
    "AlterColumnNullable",
    "AlterColumnType",
    "AlterTable",
    "DefaultImpl",
    "DropColumn",
    "InlineLiteral",
    "RenameColumn",
    "RenameTable",
    "ServerDefault",
    "format_column_name",
    "format_table_name",
    "render_server_default",
]

#: ``server_default`` values: SQL text, an expression, a DefaultClause, or None (no default).
ServerDefault = str | TextClause | ColumnElement[Any] | FetchedValue | None
#: What :meth:`DefaultImpl.execute` runs.
Construct = str | Executable | ClauseElement
Params = Mapping[str, Any] | Sequence[Mapping[str, Any]]


# --- inline literals -----------------------------------------------------------------------


class InlineLiteral(BindParameter[Any]):
    """A value written into the SQL text instead of being sent as a bound parameter.

    ``op.inline_literal`` returns one, so that an ``UPDATE`` renders the same way online and
    in an offline script.
    """

    # The value is part of the SQL string, so a cached statement must never be reused for
    # another value: opt out of the statement cache.
    inherit_cache = False

    def __init__(self, value: Any, type_: TypeEngine[Any] | None = None) -> None:
        super().__init__(None, value, type_=type_, unique=True)


@compiles(InlineLiteral)
def _compile_inline_literal(element: InlineLiteral, compiler: Any, **kw: Any) -> str:
    kw["literal_binds"] = True
    return str(compiler.visit_bindparam(element, **kw))


# --- ALTER TABLE elements ------------------------------------------------------------------


class OwnDropConstraint(DropConstraint):
    """SQLAlchemy's ``DROP CONSTRAINT`` under a class of its own.

    Other libraries loaded in the same process (Alembic does) may replace the MySQL rendering
    of :class:`~sqlalchemy.schema.DropConstraint` globally; a subclass that declares its own
    visit name keeps the dialect's rendering.
    """

    __visit_name__ = "drop_constraint"
    inherit_cache = True


class AlterTable(ExecutableDDLElement):
    """Base of the ``ALTER TABLE <table> ...`` statements this package compiles itself."""

    inherit_cache = False

    def __init__(self, table_name: str, schema: str | None = None) -> None:
        self.table_name = table_name
        self.schema = schema


class AddColumn(AlterTable):
    """``ALTER TABLE t ADD COLUMN <column specification>``."""

    def __init__(self, table_name: str, column: Column[Any], schema: str | None = None) -> None:
        super().__init__(table_name, schema)
        self.column = column


class DropColumn(AlterTable):
    """``ALTER TABLE t DROP COLUMN c``."""

    def __init__(self, table_name: str, column_name: str, schema: str | None = None) -> None:
        super().__init__(table_name, schema)
        self.column_name = column_name


class RenameTable(AlterTable):
    """``ALTER TABLE t RENAME TO new``."""

    def __init__(self, table_name: str, new_table_name: str, schema: str | None = None) -> None:
        super().__init__(table_name, schema)
        self.new_table_name = new_table_name


class RenameColumn(AlterTable):
    """``ALTER TABLE t RENAME COLUMN c TO new``."""

    def __init__(
        self, table_name: str, column_name: str, new_name: str, schema: str | None = None
    ) -> None:
        super().__init__(table_name, schema)
        self.column_name = column_name
        self.new_name = new_name


class AlterColumnType(AlterTable):
    """``ALTER TABLE t ALTER COLUMN c TYPE <type> [USING expr]``."""

    def __init__(
        self,
        table_name: str,
        column_name: str,
        type_: TypeEngine[Any],
        schema: str | None = None,
        using: str | TextClause | None = None,
    ) -> None:
        super().__init__(table_name, schema)
        self.column_name = column_name
        self.type_ = type_
        self.using = using


class AlterColumnNullable(AlterTable):
    """``ALTER TABLE t ALTER COLUMN c SET NOT NULL`` / ``DROP NOT NULL``."""

    def __init__(
        self, table_name: str, column_name: str, nullable: bool, schema: str | None = None
    ) -> None:
        super().__init__(table_name, schema)
        self.column_name = column_name
        self.nullable = nullable


class AlterColumnDefault(AlterTable):
    """``ALTER TABLE t ALTER COLUMN c SET DEFAULT x`` / ``DROP DEFAULT`` (for ``None``)."""

    def __init__(
        self,
        table_name: str,
        column_name: str,
        default: ServerDefault,
        schema: str | None = None,
    ) -> None:
        super().__init__(table_name, schema)
        self.column_name = column_name
        self.default = default


def format_table_name(compiler: DDLCompiler, name: str, schema: str | None) -> str:
    """The quoted, schema-qualified table name."""
    quoted = compiler.preparer.quote(name)
    if schema:
        return f"{compiler.preparer.quote_schema(schema)}.{quoted}"
    return quoted


def format_column_name(compiler: DDLCompiler, name: str) -> str:
    """The quoted column name."""
    return compiler.preparer.quote(name)


def render_server_default(compiler: DDLCompiler, default: ServerDefault) -> str | None:
    """The SQL of a server default as it appears after ``DEFAULT`` (``None``: no default)."""
    if default is None:
        return None
    if isinstance(default, DefaultClause):
        return compiler.render_default_string(default.arg)
    if isinstance(default, FetchedValue):
        # Computed columns, identities and bare FetchedValue have no DEFAULT clause.
        raise UnsupportedOperation(
            compiler.dialect.name,
            f"set {type(default).__name__} as a server default with ALTER COLUMN",
            "recreate the column (drop_column and add_column) instead",
        )
    return compiler.render_default_string(default)


def _alter(compiler: DDLCompiler, element: AlterTable) -> str:
    return f"ALTER TABLE {format_table_name(compiler, element.table_name, element.schema)}"


def _compiler(compiler: Any) -> DDLCompiler:
    # @compiles hands over the dialect's compiler untyped; every element here is DDL.
    assert isinstance(compiler, DDLCompiler)
    return compiler


@compiles(AddColumn)
def _add_column(element: AddColumn, compiler: Any, **kw: Any) -> str:
    ddl = _compiler(compiler)
    return f"{_alter(ddl, element)} ADD COLUMN {ddl.get_column_specification(element.column)}"


@compiles(DropColumn)
def _drop_column(element: DropColumn, compiler: Any, **kw: Any) -> str:
    ddl = _compiler(compiler)
    return f"{_alter(ddl, element)} DROP COLUMN {format_column_name(ddl, element.column_name)}"


@compiles(RenameTable)
def _rename_table(element: RenameTable, compiler: Any, **kw: Any) -> str:
    ddl = _compiler(compiler)
    return f"{_alter(ddl, element)} RENAME TO {ddl.preparer.quote(element.new_table_name)}"


@compiles(RenameColumn)
def _rename_column(element: RenameColumn, compiler: Any, **kw: Any) -> str:
    ddl = _compiler(compiler)
    old = format_column_name(ddl, element.column_name)
    return f"{_alter(ddl, element)} RENAME COLUMN {old} TO {ddl.preparer.quote(element.new_name)}"


@compiles(AlterColumnType)
def _alter_column_type(element: AlterColumnType, compiler: Any, **kw: Any) -> str:
    ddl = _compiler(compiler)
    column = format_column_name(ddl, element.column_name)
    type_sql = ddl.dialect.type_compiler_instance.process(element.type_)
    sql = f"{_alter(ddl, element)} ALTER COLUMN {column} TYPE {type_sql}"
    if element.using is not None:
        using = element.using if isinstance(element.using, str) else ddl.process(element.using)
        sql += f" USING {using}"
    return sql


@compiles(AlterColumnNullable)
def _alter_column_nullable(element: AlterColumnNullable, compiler: Any, **kw: Any) -> str:
    ddl = _compiler(compiler)
    column = format_column_name(ddl, element.column_name)
    action = "DROP NOT NULL" if element.nullable else "SET NOT NULL"
    return f"{_alter(ddl, element)} ALTER COLUMN {column} {action}"


@compiles(AlterColumnDefault)
def _alter_column_default(element: AlterColumnDefault, compiler: Any, **kw: Any) -> str:
    ddl = _compiler(compiler)
    column = format_column_name(ddl, element.column_name)
    default = render_server_default(ddl, element.default)
    action = "DROP DEFAULT" if default is None else f"SET DEFAULT {default}"
    return f"{_alter(ddl, element)} ALTER COLUMN {column} {action}"


# --- the implementation --------------------------------------------------------------------


def column_table(table_name: str, column: Column[Any], schema: str | None) -> Table:
    """The table ``column`` belongs to, attaching it to a new one named ``table_name``."""
    owner = getattr(column, "table", None)
    if isinstance(owner, Table):
        return owner
    return Table(table_name, MetaData(), column, schema=schema)


class DefaultImpl(CompareRules, BatchSupport, TypeConversions):
    """Emits each operation as DDL for one dialect, online or into an offline script.

    ``transactional_ddl`` says whether the database can roll DDL back inside a transaction;
    offline scripts are wrapped in ``BEGIN;``/``COMMIT;`` only then. What the database's
    catalog reports back, for autogenerate, comes from :class:`.CompareRules`; what batch
    mode asks of the database, from :class:`~.batch.BatchSupport`; how a type change
    converts values, from :class:`~.conversions.TypeConversions`.
    """

    #: The database's name in messages.
    display_name: ClassVar[str] = "This database"
    transactional_ddl: ClassVar[bool] = False

    def __init__(
        self,
        dialect: Dialect,
        connection: Connection | None,
        *,
        as_sql: bool = False,
        output: TextIO | None = None,
        terminator: str = ";",
    ) -> None:
        if not as_sql and connection is None:
            raise CommandError("Running migrations online needs a connection; pass one.")
        self.dialect = script_dialect(dialect) if as_sql else dialect
        self.connection = connection
        self.as_sql = as_sql
        self.output: TextIO = output if output is not None else sys.stdout
        self.terminator = terminator
        self._script = ScriptWriter(self.dialect, self.output, terminator) if as_sql else None
        #: Runs each statement online (the run's lock-wait retries on MySQL/MariaDB), or None.
        self.statement_runner: (
            Callable[[Callable[[], CursorResult[Any]]], CursorResult[Any]] | None
        ) = None
        #: Told about each statement that ran online (the migration context lists them when
        #: a migration fails after committing part of itself).
        self.on_statement: Callable[[Executable], None] | None = None

    # -- running statements -----------------------------------------------------------------

    def execute(
        self,
        construct: Construct,
        params: Params | None = None,
        *,
        execution_options: Mapping[str, Any] | None = None,
    ) -> CursorResult[Any] | None:
        """Run ``construct`` (SQL text or a SQLAlchemy statement); offline, write it out.

        Offline, ``params`` are rendered into the statement as literals.
        """
        if self.as_sql:
            self._writer().statement(self.to_sql(construct, params))
            return None
        assert self.connection is not None  # checked in __init__
        statement = text(construct) if isinstance(construct, str) else construct
        if not isinstance(statement, Executable):
            raise CommandError(f"Cannot execute {type(statement).__name__}; pass a statement.")
        connection = self.connection

        def run() -> CursorResult[Any]:
            return connection.execute(statement, params, execution_options=execution_options or {})

        result = self.statement_runner(run) if self.statement_runner is not None else run()
        if self.on_statement is not None:
            self.on_statement(statement)
        return result

    def to_sql(self, construct: Construct, params: Params | None = None) -> str:
        """The SQL text of ``construct`` for this dialect, values inlined."""
        return render_sql(construct, params, self.dialect)

    def _writer(self) -> ScriptWriter:
        if self._script is None:
            raise CommandError("Writing SQL to a script is for offline (--sql) mode only.")
        return self._script

    def static_output(self, text: str) -> None:
        """Write ``text`` and a blank line to the offline script."""
        self._writer().write(text)

    def comment_sql(self, text: str) -> None:
        """Offline, write ``text`` as comment lines (every line of it commented)."""
        self._writer().comment(text)

    def begin_transaction_sql(self) -> None:
        """Offline, open the script's transaction (databases with transactional DDL only)."""
        if self.as_sql and self.transactional_ddl:
            self.static_output("BEGIN" + self.terminator)

    def commit_sql(self) -> None:
        """Offline, commit the script's transaction (databases with transactional DDL only)."""
        if self.as_sql and self.transactional_ddl:
            self.static_output("COMMIT" + self.terminator)

    def autocommit_block(self, starts: bool) -> None:
        """Told when a migration's ``autocommit_block()`` starts and ends (online and
        offline): a recording implementation marks the operations between as non-atomic."""

    def ddl_compiler(self) -> DDLCompiler:
        """A DDL compiler of this dialect, for rendering fragments (types, defaults)."""
        return self.dialect.ddl_compiler(self.dialect, DropTable(Table("_", MetaData())))

    def unsupported(self, operation: str, fix: str) -> UnsupportedOperation:
        """An :class:`UnsupportedOperation` naming this database."""
        return UnsupportedOperation(self.display_name, operation, fix)

    # -- tables -----------------------------------------------------------------------------

    def create_table(self, table: Table, *, if_not_exists: bool | None = None) -> None:
        """``CREATE TABLE``, then comments (where not inline) and the table's indexes."""
        self.execute(CreateTable(table, if_not_exists=bool(if_not_exists)))
        if self.dialect.supports_comments and not self.dialect.inline_comments:
            if table.comment is not None:
                self.execute(SetTableComment(table))
            for column in table.columns:
                if column.comment is not None:
                    self.execute(SetColumnComment(column))
        for index in sorted(table.indexes, key=lambda ix: ix.name or ""):
            self.create_index(index, if_not_exists=if_not_exists)

    def drop_table(self, table: Table, *, if_exists: bool | None = None) -> None:
        """``DROP TABLE``."""
        self.execute(DropTable(table, if_exists=bool(if_exists)))

    def rename_table(
        self, old_table_name: str, new_table_name: str, *, schema: str | None = None
    ) -> None:
        """``ALTER TABLE old RENAME TO new`` (the table stays in its schema)."""
        self.execute(RenameTable(old_table_name, new_table_name, schema))

    def create_table_comment(self, table: Table) -> None:
        """Set ``table.comment`` on the table."""
        if self.dialect.supports_comments:
            self.execute(SetTableComment(table))

    def drop_table_comment(self, table: Table) -> None:
        """Remove the table's comment."""
        if self.dialect.supports_comments:
            self.execute(DropTableComment(table))

    # -- columns ----------------------------------------------------------------------------

    def add_column(
        self, table_name: str, column: Column[Any], *, schema: str | None = None
    ) -> None:
        """``ADD COLUMN``, then the column's constraints, indexes and comment."""
        table = column_table(table_name, column, schema)
        self.check_add_column(table_name, column)
        self.execute(AddColumn(table_name, column, schema))
        for constraint in sorted(table.constraints, key=lambda c: str(c.name or "")):
            if isinstance(constraint, PrimaryKeyConstraint) or self.inline_constraint(constraint):
                continue
            # A type's own CHECK (Boolean, Enum) only where the type asks for one here:
            # databases with native booleans and enums need none.
            rule = getattr(constraint, "_create_rule", None)
            if rule is not None and not rule(self.ddl_compiler()):
                continue
            self.add_constraint(constraint)
        for index in sorted(table.indexes, key=lambda ix: ix.name or ""):
            self.create_index(index)
        if (
            column.comment is not None
            and self.dialect.supports_comments
            and not self.dialect.inline_comments
        ):
            self.execute(SetColumnComment(column))

    def check_add_column(self, table_name: str, column: Column[Any]) -> None:
        """Raise when this database cannot add ``column`` with ALTER TABLE."""

    def inline_constraint(self, constraint: Constraint) -> bool:
        """Whether ADD COLUMN already created ``constraint`` (SQLite's inline REFERENCES)."""
        return False

    def drop_column(
        self, table_name: str, column_name: str, *, schema: str | None = None, **kw: Any
    ) -> None:
        """``DROP COLUMN``."""
        self.execute(DropColumn(table_name, column_name, schema))

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
        """Change a column, one standard ``ALTER COLUMN`` statement per changed aspect.

        The order is type, nullability, default, comment, then the rename, so that every
        statement but the last can use the old name.
        """
        if type_ is not None:
            self.execute(
                AlterColumnType(table_name, column_name, type_, schema, self.type_using(kw))
            )
        if nullable is not None:
            self.execute(AlterColumnNullable(table_name, column_name, nullable, schema))
        if server_default is not False:
            self.execute(AlterColumnDefault(table_name, column_name, server_default, schema))
        if comment is not False:
            self.alter_column_comment(
                table_name, column_name, comment, schema, type_ or existing_type
            )
        if name is not None:
            self.execute(RenameColumn(table_name, column_name, name, schema))

    def type_using(self, kw: Mapping[str, Any]) -> str | TextClause | None:
        """The ``USING`` expression of a type change (PostgreSQL's ``postgresql_using``)."""
        return None

    def alter_column_comment(
        self,
        table_name: str,
        column_name: str,
        comment: str | None,
        schema: str | None,
        type_: TypeEngine[Any] | None,
    ) -> None:
        """Set or remove (``None``) a column comment with ``COMMENT ON COLUMN``."""
        if not self.dialect.supports_comments:
            return
        column = Column(column_name, type_ if type_ is not None else NULLTYPE, comment=comment)
        Table(table_name, MetaData(), column, schema=schema)
        self.execute(DropColumnComment(column) if comment is None else SetColumnComment(column))

    # -- indexes and constraints ------------------------------------------------------------

    def create_index(self, index: Index, *, if_not_exists: bool | None = None) -> None:
        """``CREATE [UNIQUE] INDEX``."""
        self.execute(CreateIndex(index, if_not_exists=bool(if_not_exists)))

    def drop_index(self, index: Index, *, if_exists: bool | None = None) -> None:
        """``DROP INDEX``."""
        self.execute(DropIndex(index, if_exists=bool(if_exists)))

    def add_constraint(self, constraint: Constraint) -> None:
        """``ALTER TABLE ... ADD CONSTRAINT``."""
        self.execute(AddConstraint(constraint))

    def drop_constraint(self, constraint: Constraint) -> None:
        """``ALTER TABLE ... DROP CONSTRAINT``."""
        self.execute(OwnDropConstraint(constraint))

    # -- data -------------------------------------------------------------------------------

    def bulk_insert(
        self,
        table: Table | TableClause,
        rows: Sequence[Mapping[str, Any]],
        *,
        multiinsert: bool = True,
    ) -> None:
        """Insert ``rows``: one executemany online, one literal INSERT per row offline.

        Rows holding SQL expressions (``op.inline_literal``...) are inserted one by one, since
        an executemany can only carry plain values.
        """
        if not rows:
            return
        if self.as_sql:
            for row in rows:
                self.execute(table.insert().values(dict(row)))
            return
        if multiinsert and not any(_has_expression(row) for row in rows):
            self.execute(table.insert(), [dict(row) for row in rows])
            return
        for row in rows:
            if _has_expression(row):
                self.execute(table.insert().values(dict(row)))
            else:
                self.execute(table.insert(), dict(row))


def _has_expression(row: Mapping[str, Any]) -> bool:
    return any(isinstance(value, ClauseElement) for value in row.values())
