"""Operation objects (reversal), the Operations dispatch, and the ``op`` handle."""

from __future__ import annotations

import io
import sys
import types
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from flask_migrate_lite.commands.advice import in_flask_terms
from flask_migrate_lite.engine.ddl import impl_for
from flask_migrate_lite.engine.errors import (
    CommandError,
    IrreversibleOperation,
    OperationOutsideMigration,
)
from flask_migrate_lite.engine.operations import ops as o
from flask_migrate_lite.engine.operations.api import Operations, op, running
from tests.fakes import FakeMigration


def offline() -> tuple[Operations, io.StringIO]:
    out = io.StringIO()
    impl = impl_for(postgresql.dialect(), None, as_sql=True, output=out)
    return Operations(FakeMigration(impl, {"tenant": "acme"})), out


# --- reversal ------------------------------------------------------------------------------


def test_create_and_drop_table_reverse_each_other() -> None:
    create = o.CreateTableOp(
        "account", (sa.Column("id", sa.Integer, primary_key=True),), "app", kw={"comment": "c"}
    )
    drop = create.reverse()
    assert (drop.table_name, drop.schema, drop.columns, drop.kw) == (
        "account",
        "app",
        create.columns,
        {"comment": "c"},
    )
    again = drop.reverse()
    assert again == o.CreateTableOp("account", create.columns, "app", kw={"comment": "c"})
    # The same columns can be turned into tables more than once.
    first, second = create.to_table(), again.to_table()
    assert first is not second and list(second.c.keys()) == ["id"]
    assert second.comment == "c"


def test_drop_table_without_columns_is_irreversible() -> None:
    with pytest.raises(IrreversibleOperation) as caught:
        o.DropTableOp("account").reverse()
    assert str(caught.value) == (
        "Cannot reverse op.drop_table('account'): it does not record the table's columns; "
        "write the downgrade step by hand."
    )


def test_rename_table_reverses() -> None:
    assert o.RenameTableOp("a", "b", "s").reverse() == o.RenameTableOp("b", "a", "s")


def test_add_and_drop_column_reverse() -> None:
    column = sa.Column("email", sa.String(120))
    drop = o.AddColumnOp("account", column, "app").reverse()
    assert drop == o.DropColumnOp("account", "email", "app", existing_column=column)
    assert drop.reverse() == o.AddColumnOp("account", column, "app")
    with pytest.raises(IrreversibleOperation, match="record the column's definition"):
        o.DropColumnOp("account", "email").reverse()


def test_alter_column_reverse_swaps_new_and_existing() -> None:
    change = o.AlterColumnOp(
        "account",
        "name",
        modify_type=sa.String(100),
        modify_nullable=True,
        modify_server_default=None,
        modify_comment="shown",
        modify_name="full_name",
        existing_type=sa.String(50),
        existing_nullable=False,
        existing_server_default="x",
        existing_comment=None,
        kw={"postgresql_using": "name"},
    )
    back = change.reverse()
    assert back.column_name == "full_name" and back.modify_name == "name"
    assert back.modify_type is change.existing_type and back.existing_type is change.modify_type
    assert (back.modify_nullable, back.existing_nullable) == (False, True)
    assert (back.modify_server_default, back.existing_server_default) == ("x", None)
    assert (back.modify_comment, back.existing_comment) == (None, "shown")
    assert back.reverse() == change


def test_alter_column_reverse_keeps_unchanged_aspects_unchanged() -> None:
    change = o.AlterColumnOp("t", "c", modify_nullable=False, existing_nullable=True)
    back = change.reverse()
    assert back == o.AlterColumnOp("t", "c", modify_nullable=True, existing_nullable=False)


def test_alter_column_reverse_needs_existing_values() -> None:
    change = o.AlterColumnOp("t", "c", modify_type=sa.Integer(), modify_server_default="1")
    with pytest.raises(IrreversibleOperation) as caught:
        change.reverse()
    assert str(caught.value) == (
        "Cannot reverse op.alter_column('t', 'c'): pass existing_type, existing_server_default "
        "so that the old state is known; write the downgrade step by hand."
    )


def test_index_ops_reverse() -> None:
    create = o.CreateIndexOp("ix", "t", ("a", "b"), "s", unique=True, kw={"mysql_length": 5})
    drop = create.reverse()
    assert drop == o.DropIndexOp(
        "ix", "t", "s", columns=("a", "b"), unique=True, kw={"mysql_length": 5}
    )
    assert drop.reverse() == o.CreateIndexOp(
        "ix", "t", ("a", "b"), "s", unique=True, kw={"mysql_length": 5}
    )
    with pytest.raises(IrreversibleOperation, match="record the index's table and columns"):
        o.DropIndexOp("ix", "t").reverse()
    with pytest.raises(IrreversibleOperation, match="the index has no name"):
        o.CreateIndexOp(None, "t", ("a",)).reverse()


@pytest.mark.parametrize(
    ("create", "kind"),
    [
        (o.CreateUniqueConstraintOp("c", "t", ("a",)), "unique"),
        (o.CreateForeignKeyOp("c", "t", "u", ("u_id",), ("id",)), "foreignkey"),
        (o.CreateCheckConstraintOp("c", "t", "a > 0"), "check"),
        (o.CreatePrimaryKeyOp("c", "t", ("a",)), "primary"),
    ],
)
def test_constraint_ops_reverse(create: o.CreateConstraintOp, kind: str) -> None:
    drop = create.reverse()
    assert drop == o.DropConstraintOp("c", "t", kind, None, original=create)  # type: ignore[arg-type]
    assert drop.reverse() is create


def test_constraint_reverse_needs_names_and_definitions() -> None:
    with pytest.raises(IrreversibleOperation, match="the constraint has no name"):
        o.CreateUniqueConstraintOp(None, "t", ("a",)).reverse()
    with pytest.raises(IrreversibleOperation) as caught:
        o.DropConstraintOp("c", "t", "unique").reverse()
    assert str(caught.value) == (
        "Cannot reverse op.drop_constraint('c', 't'): it does not record the constraint's "
        "definition; write the downgrade step by hand."
    )


def test_table_comment_ops_reverse() -> None:
    assert o.CreateTableCommentOp("t", "new").reverse() == o.DropTableCommentOp("t", "new")
    assert o.CreateTableCommentOp("t", "new", "old").reverse() == o.CreateTableCommentOp(
        "t", "old", "new"
    )
    assert o.DropTableCommentOp("t", "old").reverse() == o.CreateTableCommentOp("t", "old")
    with pytest.raises(IrreversibleOperation, match="pass existing_comment="):
        o.DropTableCommentOp("t").reverse()


def test_data_ops_are_irreversible() -> None:
    with pytest.raises(IrreversibleOperation, match="arbitrary SQL has no known reverse"):
        o.ExecuteSQLOp("DELETE FROM t").reverse()
    with pytest.raises(IrreversibleOperation) as caught:
        o.BulkInsertOp(sa.table("t"), ({"a": 1},)).reverse()
    assert str(caught.value).startswith("Cannot reverse op.bulk_insert('t', ...)")


def test_reversed_upgrade_runs_as_a_downgrade() -> None:
    ops, out = offline()
    upgrade: list[o.AddColumnOp | o.CreateIndexOp] = [
        o.AddColumnOp("t", sa.Column("a", sa.Integer)),
        o.CreateIndexOp("ix_t_a", "t", ("a",)),
    ]
    for operation in reversed(upgrade):
        ops.invoke(operation.reverse())
    assert out.getvalue() == "DROP INDEX ix_t_a;\n\nALTER TABLE t DROP COLUMN a;\n\n"


# --- Operations ----------------------------------------------------------------------------


def test_alter_column_builds_the_op_with_type_instances() -> None:
    seen: list[o.MigrateOp] = []

    class Recording(Operations):
        def invoke(self, operation: o.MigrateOp) -> Any:
            seen.append(operation)
            return None

    ops = Recording(FakeMigration(impl_for(postgresql.dialect(), None, as_sql=True)))
    ops.alter_column("t", "c", type_=sa.String, existing_type=sa.Integer, nullable=False)
    (change,) = seen
    assert isinstance(change, o.AlterColumnOp)
    assert isinstance(change.modify_type, sa.String)
    assert isinstance(change.existing_type, sa.Integer)
    assert change.modify_nullable is False and change.modify_server_default is False


def test_f_marks_a_name_final_and_context_accessors() -> None:
    ops, _ = offline()
    name = ops.f("uq_user_email")
    assert isinstance(name, sa.sql.elements.conv) and name == "uq_user_email"
    assert ops.get_context().x_args == {"tenant": "acme"}
    with pytest.raises(CommandError, match=r"no connection in offline \(--sql\) mode"):
        ops.get_bind()


def test_batch_alter_table_builds_batch_operations_and_flushes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[tuple[str, Any]] = []

    class FakeBatch:
        def __init__(self, operations: Operations, table_name: str, **kw: Any) -> None:
            calls.append(("init", (operations, table_name, kw)))

        def flush(self) -> None:
            calls.append(("flush", None))

    module = types.ModuleType("flask_migrate_lite.engine.operations.batch")
    module.BatchOperations = FakeBatch  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, module.__name__, module)
    ops, _ = offline()
    with running(ops), op.batch_alter_table("account", schema="s", recreate="always") as batch:
        assert isinstance(batch, FakeBatch)
        assert len(calls) == 1
    (_, (bound, table_name, kw)), flush = calls
    assert bound is ops and table_name == "account" and flush == ("flush", None)
    assert kw["schema"] == "s" and kw["recreate"] == "always" and kw["copy_from"] is None


# --- the op handle -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "call"),
    [
        ("create_table", lambda: op.create_table("t", sa.Column("a", sa.Integer))),
        ("add_column", lambda: op.add_column("t", sa.Column("a", sa.Integer))),
        ("execute", lambda: op.execute("SELECT 1")),
        ("drop_constraint", lambda: op.drop_constraint("c", "t")),
        ("get_bind", lambda: op.get_bind()),
        ("get_context", lambda: op.get_context()),
        ("inline_literal", lambda: op.inline_literal(1)),
        ("f", lambda: op.f("x")),
        ("invoke", lambda: op.invoke(o.RenameTableOp("a", "b"))),
    ],
)
def test_op_outside_a_migration_raises(name: str, call: Any) -> None:
    with pytest.raises(OperationOutsideMigration) as caught:
        call()
    assert caught.value.name == name
    assert str(in_flask_terms(caught.value)) == (
        f"'op.{name}' can only be called from a migration's upgrade() or downgrade() "
        "while 'flask db upgrade' or 'downgrade' runs it."
    )


def test_op_outside_batch_alter_table_raises() -> None:
    with pytest.raises(OperationOutsideMigration, match="op.batch_alter_table"):
        with op.batch_alter_table("t"):
            pass  # pragma: no cover


def test_op_forwards_to_the_running_operations_and_unbinds_after() -> None:
    ops, out = offline()
    with running(ops):
        op.rename_table("a", "b")
        assert op.get_context() is ops.migration
    assert out.getvalue() == "ALTER TABLE a RENAME TO b;\n\n"
    assert "no migration running" in repr(op)
    with pytest.raises(OperationOutsideMigration):
        op.rename_table("a", "b")


def test_running_nests_and_refuses_the_handle() -> None:
    outer, outer_out = offline()
    inner, inner_out = offline()
    with running(outer):
        with running(inner):
            op.drop_table("x")
        op.drop_table("y")
    assert (outer_out.getvalue(), inner_out.getvalue()) == (
        "DROP TABLE y;\n\n",
        "DROP TABLE x;\n\n",
    )
    with pytest.raises(CommandError, match="not the op handle"):
        with running(op):
            pass  # pragma: no cover
