"""Directives as ``op.*`` calls: whole tables, each table's changes (in a batch block by
default), enum types and SQL."""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Sequence

from sqlalchemy.schema import Column, Constraint, Index
from sqlalchemy.sql.elements import ClauseElement

from ...operations import ops
from ..data_steps import (
    FillRowsOp,
    RenameIndexOp,
    RenamePrimaryKeyOp,
    RenameSequenceOp,
    RenameValuesOp,
)
from ..directives import Directive, EnumTypeOp, ModifyTableOps, TableOp
from .context import RenderContext
from .data_steps import (
    fill_rows_lines,
    rename_index_lines,
    rename_primary_key_lines,
    rename_sequence_lines,
    rename_values_lines,
)
from .enums import enum_steps
from .layout import (
    STEP,
    Kwargs,
    Node,
    Seq,
    Unrenderable,
    call,
    layout,
    list_node,
    literals,
    name_arg,
)
from .online import Item, online_chunks
from .schema import SchemaWriter

__all__ = ["Renderer"]


class Renderer(SchemaWriter):
    """Writes directives as the lines of a function body."""

    def __init__(self, context: RenderContext) -> None:
        super().__init__(context)
        self.lines: list[str] = []
        self.statements = 0

    # -- output -----------------------------------------------------------------------------

    def statement(self, node: Node, indent: int, force: bool = False) -> None:
        self.lines += layout(node, indent, force=force)
        self.statements += 1

    def raw(self, lines: list[str]) -> None:
        """Lines written as they are (one or more statements)."""
        if lines:
            self.lines += lines
            self.statements += 1

    def block(self, header: Node, indent: int, trail: str, body: Callable[[], None]) -> None:
        """A ``with`` block around what ``body`` writes, then a blank line."""
        self.lines += layout(header, indent, "with ", trail)
        before = self.statements
        body()
        if self.statements == before:
            self.statement("pass", indent + STEP)
        self.lines.append("")

    # -- directives -------------------------------------------------------------------------

    def directive(self, directive: Directive) -> None:
        match directive:
            case ops.CreateTableOp():
                self.create_table(directive)
            case ops.DropTableOp():
                kwargs = literals(schema=directive.schema, if_exists=directive.if_exists or None)
                self.statement(call("op.drop_table", [repr(directive.table_name)], kwargs), 4)
            case ops.RenameTableOp():
                kwargs = literals(schema=directive.schema)
                args = [repr(directive.old_table_name), repr(directive.new_table_name)]
                self.statement(call("op.rename_table", args, kwargs), 4)
            case ModifyTableOps():
                self.modify_table(directive)
            case FillRowsOp():
                self.raw(fill_rows_lines(directive, self.context))
            case RenameValuesOp():
                self.raw(rename_values_lines(directive, self.context))
            case RenameSequenceOp():
                self.raw(rename_sequence_lines(directive))
            case RenameIndexOp():
                self.raw(rename_index_lines(directive, self.context))
            case RenamePrimaryKeyOp():
                self.raw(rename_primary_key_lines(directive, self.context))
            case EnumTypeOp():
                self.enum_type(directive)
            case ops.ExecuteSQLOp():
                self.statement(self.execute("op", directive), 4)
            case _:
                ops.assert_never(directive)

    def execute(self, receiver: str, op: ops.ExecuteSQLOp) -> Seq:
        sqltext = op.sqltext
        if isinstance(sqltext, (str, ClauseElement)):
            text = self.sql(sqltext)
        else:  # an Executable that is no clause: its string form is the best there is
            text = str(sqltext)
        kwargs: Kwargs = []
        if op.execution_options:
            try:
                kwargs.append(("execution_options", self.value(dict(op.execution_options))))
            except Unrenderable:
                pass
        return call(f"{receiver}.execute", [repr(text)], kwargs)

    def modify_table(self, directive: ModifyTableOps, *, existing: bool = True) -> None:
        if directive.is_empty():
            return
        if existing and self.opts.online_safe:
            self.online(directive)
            return
        if not self.opts.as_batch:
            for op in directive.ops:
                self.statement(self.table_op(op, "op"), 4)
            return
        options: Kwargs = [("schema", repr(directive.schema))]
        if directive.naming_convention:
            # Names for the constraints SQLite keeps unnamed, so the batch can drop them.
            options.append(("naming_convention", repr(dict(directive.naming_convention))))
        header = call("op.batch_alter_table", [repr(directive.table_name)], options)

        def body() -> None:
            for op in directive.ops:
                self.statement(self.table_op(op, "batch_op"), 8)

        self.block(header, 4, " as batch_op:", body)

    def online(self, directive: ModifyTableOps) -> None:
        """An existing table's changes in their online-safe forms (see :mod:`.online`)."""
        for in_block, items in online_chunks(directive.ops, self.context.dialect):
            if not in_block:
                self.online_plain(directive, items)
                continue

            def body(items: list[Item] = items) -> None:
                for item in items:
                    if isinstance(item, ops.ExecuteSQLOp):
                        self.statement(self.execute("op", item), 8)
                    else:
                        self.statement(self.table_op(item, "op"), 8)

            self.block(call("op.get_context().autocommit_block"), 4, ":", body)

    def online_plain(self, directive: ModifyTableOps, items: list[Item]) -> None:
        """Items outside autocommit blocks: table operations as usual, SQL on its own."""
        pending: list[TableOp] = []

        def flush() -> None:
            part = ModifyTableOps(
                directive.table_name,
                list(pending),
                directive.schema,
                naming_convention=directive.naming_convention,
            )
            self.modify_table(part, existing=False)
            pending.clear()

        for item in items:
            if isinstance(item, ops.ExecuteSQLOp):
                flush()
                self.statement(self.execute("op", item), 4)
            else:
                pending.append(item)
        flush()

    def enum_type(self, directive: EnumTypeOp) -> None:
        for step in enum_steps(directive):
            if step.comment is not None:
                self.lines += [f"    # {line}" for line in _wrapped(step.comment)]
            if not step.sql:
                continue
            statements = [call("op.execute", [repr(sql)]) for sql in step.sql]
            if not step.autocommit:
                for statement in statements:
                    self.statement(statement, 4)
                continue

            # Committed on their own: see .enums.
            def body(statements: list[Seq] = statements) -> None:
                for statement in statements:
                    self.statement(statement, 8)

            self.block(call("op.get_context().autocommit_block"), 4, ":", body)

    # -- create_table -----------------------------------------------------------------------

    def create_table(self, op: ops.CreateTableOp) -> None:
        columns = [item for item in op.columns if isinstance(item, Column)]
        constraints = [item for item in op.columns if isinstance(item, Constraint)]
        indexes = [item for item in op.columns if isinstance(item, Index)]
        pk_columns, pk_node = self.primary_key(columns, constraints)
        sole_pk = pk_columns[0] if len(pk_columns) == 1 else None
        args: list[Node] = [repr(op.table_name)]
        args += [self.column(column, sole_pk == column.name) for column in columns]
        if pk_node is not None:
            args.append(pk_node)
        args += self.table_constraints(op.table_name, columns, constraints, indexes)
        kwargs = literals(schema=op.schema, if_not_exists=op.if_not_exists or None)
        table_kw = dict(op.kw)
        if table_kw.get("comment") is not None:
            kwargs.append(("comment", repr(table_kw.pop("comment"))))
        kwargs += self.keywords(table_kw, skip={"info", "comment"})
        self.statement(call("op.create_table", args, kwargs), 4, force=True)
        if not indexes:
            return
        index_ops = [
            ops.CreateIndexOp(
                index.name,
                op.table_name,
                tuple(self.index_elements(index)),
                op.schema,
                bool(index.unique),
                kw=dict(index.dialect_kwargs),
            )
            for index in sorted(indexes, key=lambda ix: str(ix.name or ""))
        ]
        self.modify_table(ModifyTableOps(op.table_name, list(index_ops), op.schema), existing=False)

    # -- operations on one table ------------------------------------------------------------

    def table_op(self, op: TableOp, receiver: str) -> Node:
        """One table operation as ``batch_op.x(...)`` or, with the table named, ``op.x(...)``."""
        batch = receiver == "batch_op"
        table: list[Node] = [] if batch else [repr(_table_of(op))]
        schema = literals(schema=None if batch else _schema_of(op))

        def op_call(method: str, args: Sequence[Node], kwargs: Kwargs | None = None) -> Seq:
            return call(f"{receiver}.{method}", args, kwargs)

        match op:
            case ops.AddColumnOp():
                kwargs = schema + self.keywords(op.kw)
                return op_call("add_column", [*table, self.column(op.column)], kwargs)
            case ops.DropColumnOp():
                kwargs = schema + self.keywords(op.kw)
                return op_call("drop_column", [*table, repr(op.column_name)], kwargs)
            case ops.AlterColumnOp():
                kwargs = self.alter_options(op) + schema + self.keywords(op.kw)
                return op_call("alter_column", [*table, repr(op.column_name)], kwargs)
            case ops.CreateIndexOp():
                columns = list_node(self.index_column(c) for c in op.columns)
                kwargs = [("unique", repr(bool(op.unique))), *schema]
                kwargs += literals(if_not_exists=op.if_not_exists or None)
                kwargs += self.keywords(op.kw)
                return op_call(
                    "create_index", [name_arg(op.index_name, receiver), *table, columns], kwargs
                )
            case ops.DropIndexOp():
                kwargs = (
                    [] if batch or op.table_name is None else [("table_name", repr(op.table_name))]
                )
                kwargs += schema + literals(if_exists=op.if_exists or None) + self.keywords(op.kw)
                return op_call("drop_index", [name_arg(op.index_name, receiver)], kwargs)
            case ops.CreateUniqueConstraintOp():
                args = [
                    name_arg(op.constraint_name, receiver),
                    *table,
                    list_node(map(repr, op.columns)),
                ]
                return op_call("create_unique_constraint", args, schema + self.keywords(op.kw))
            case ops.CreateForeignKeyOp():
                return op_call("create_foreign_key", *self.foreign_key_op(op, receiver))
            case ops.CreateCheckConstraintOp():
                args = [
                    name_arg(op.constraint_name, receiver),
                    *table,
                    repr(self.sql(op.condition)),
                ]
                return op_call("create_check_constraint", args, schema + self.keywords(op.kw))
            case ops.CreatePrimaryKeyOp():
                args = [
                    name_arg(op.constraint_name, receiver),
                    *table,
                    list_node(map(repr, op.columns)),
                ]
                return op_call("create_primary_key", args, schema)
            case ops.DropConstraintOp():
                kwargs = literals(type_=op.type_) + schema
                return op_call(
                    "drop_constraint", [name_arg(op.constraint_name, receiver), *table], kwargs
                )
            case ops.CreateTableCommentOp():
                kwargs = literals(existing_comment=op.existing_comment) + schema
                return op_call("create_table_comment", [*table, repr(op.comment)], kwargs)
            case ops.DropTableCommentOp():
                kwargs = literals(existing_comment=op.existing_comment) + schema
                return op_call("drop_table_comment", table, kwargs)
            case _:
                ops.assert_never(op)

    def foreign_key_op(
        self, op: ops.CreateForeignKeyOp, receiver: str
    ) -> tuple[list[Node], Kwargs]:
        args: list[Node] = [name_arg(op.constraint_name, receiver)]
        if receiver == "op":
            args.append(repr(op.source_table))
        args += [
            repr(op.referent_table),
            list_node(map(repr, op.local_cols)),
            list_node(map(repr, op.remote_cols)),
        ]
        kwargs = literals(
            onupdate=op.onupdate,
            ondelete=op.ondelete,
            deferrable=op.deferrable,
            initially=op.initially,
            match=op.match,
        )
        if receiver == "op":
            kwargs += literals(source_schema=op.source_schema)
        kwargs += literals(referent_schema=op.referent_schema) + self.keywords(op.kw)
        return args, kwargs

    def alter_options(self, op: ops.AlterColumnOp) -> Kwargs:
        """What changes and what the column was, in Alembic's spelling."""
        kwargs: Kwargs = []
        if op.existing_type is not None:
            kwargs.append(("existing_type", self.render_type(op.existing_type)))
        if op.modify_type is not None:
            kwargs.append(("type_", self.render_type(op.modify_type)))
        if op.modify_nullable is None and op.existing_nullable is not None:
            kwargs.append(("existing_nullable", repr(op.existing_nullable)))
        if op.modify_nullable is not None:
            kwargs.append(("nullable", repr(op.modify_nullable)))
        if op.modify_server_default is not False:
            kwargs.append(
                ("server_default", self.server_default(op.modify_server_default) or "None")
            )
        elif op.existing_server_default is not False:
            existing = self.server_default(op.existing_server_default)
            if existing is not None:
                kwargs.append(("existing_server_default", existing))
        if op.modify_comment is not False:
            kwargs.append(("comment", repr(op.modify_comment)))
        if op.existing_comment is not None:
            kwargs.append(("existing_comment", repr(op.existing_comment)))
        if op.modify_name is not None:
            kwargs.append(("new_column_name", repr(op.modify_name)))
        return kwargs

    def index_column(self, column: ops.IndexColumn) -> str:
        if isinstance(column, str):
            return repr(column)
        return f"{self.prefixed('text')}({self.sql(column)!r})"


def _wrapped(text: str) -> list[str]:
    return textwrap.wrap(text, 90)


def _table_of(op: TableOp) -> str:
    if isinstance(op, ops.CreateForeignKeyOp):
        return op.source_table
    return op.table_name or ""


def _schema_of(op: TableOp) -> str | None:
    if isinstance(op, ops.CreateForeignKeyOp):
        return op.source_schema
    return op.schema
