"""The squash optimizer: each reduction, and what it must not move or merge."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from flask_migrate_lite.engine.operations import ops
from flask_migrate_lite.engine.squash.optimizer import optimize


def _create(name: str, *extra: Any) -> ops.CreateTableOp:
    return ops.CreateTableOp(name, (sa.Column("id", sa.Integer(), primary_key=True), *extra))


def _columns(op: ops.MigrateOp) -> list[tuple[str, str, bool | None]]:
    assert isinstance(op, ops.CreateTableOp)
    return [
        (item.name, str(item.type), item.nullable)
        for item in op.columns
        if isinstance(item, sa.Column)
    ]


def test_create_table_then_add_column_folds_the_column_into_the_create() -> None:
    result = optimize([_create("a"), ops.AddColumnOp("a", sa.Column("x", sa.String(5)))])
    assert len(result) == 1
    assert _columns(result[0]) == [("id", "INTEGER", False), ("x", "VARCHAR(5)", True)]


def test_create_table_then_drop_column_leaves_the_column_out() -> None:
    made = _create("a", sa.Column("x", sa.Integer()))
    result = optimize([made, ops.DropColumnOp("a", "x")])
    assert [_columns(op) for op in result] == [[("id", "INTEGER", False)]]


def test_a_column_a_constraint_names_stays_with_its_drop() -> None:
    made = _create("a", sa.Column("x", sa.Integer()), sa.UniqueConstraint("x", name="uq"))
    dropped = ops.DropColumnOp("a", "x")
    assert optimize([made, dropped]) == [made, dropped]


def test_alter_column_of_type_and_nullability_is_made_in_the_create() -> None:
    made = _create("a", sa.Column("x", sa.String(5)))
    alter = ops.AlterColumnOp(
        "a", "x", modify_type=sa.String(9), modify_nullable=False, existing_type=sa.String(5)
    )
    result = optimize([made, alter])
    assert [_columns(op) for op in result] == [
        [("id", "INTEGER", False), ("x", "VARCHAR(9)", False)]
    ]


def test_a_renamed_column_is_left_to_alter_column() -> None:
    made = _create("a", sa.Column("x", sa.String(5)))
    rename = ops.AlterColumnOp("a", "x", modify_name="y")
    assert optimize([made, rename]) == [made, rename]


def test_add_then_drop_of_a_column_cancel() -> None:
    added = ops.AddColumnOp("a", sa.Column("x", sa.Integer()))
    assert optimize([added, ops.DropColumnOp("a", "x")]) == []


def test_add_then_alter_of_a_column_is_one_add() -> None:
    added = ops.AddColumnOp("a", sa.Column("x", sa.Integer()))
    alter = ops.AlterColumnOp("a", "x", modify_nullable=False, existing_type=sa.Integer())
    result = optimize([added, alter])
    assert len(result) == 1 and isinstance(result[0], ops.AddColumnOp)
    assert result[0].column.nullable is False


def test_consecutive_alter_columns_of_one_column_merge() -> None:
    first = ops.AlterColumnOp(
        "a", "x", modify_name="y", modify_nullable=False, existing_type=sa.Integer()
    )
    second = ops.AlterColumnOp("a", "y", modify_type=sa.BigInteger(), existing_type=sa.Integer())
    result = optimize([first, second])
    assert len(result) == 1
    merged = result[0]
    assert isinstance(merged, ops.AlterColumnOp)
    assert (merged.column_name, merged.modify_name, merged.modify_nullable) == ("x", "y", False)
    assert isinstance(merged.modify_type, sa.BigInteger)


def test_alter_columns_that_undo_each_other_vanish() -> None:
    there = ops.AlterColumnOp("a", "x", modify_name="y")
    back = ops.AlterColumnOp("a", "y", modify_name="x")
    assert optimize([there, back]) == []


def test_create_then_drop_index_cancel() -> None:
    index = ops.CreateIndexOp("ix_a_x", "a", ("x",))
    assert optimize([index, ops.DropIndexOp("ix_a_x", "a")]) == []


def test_rename_chains_collapse() -> None:
    result = optimize([ops.RenameTableOp("a", "b"), ops.RenameTableOp("b", "c")])
    assert result == [ops.RenameTableOp("a", "c")]
    assert optimize([ops.RenameTableOp("a", "b"), ops.RenameTableOp("b", "a")]) == []


def test_a_created_table_keeps_its_rename() -> None:
    # The names of its primary key, sequences and constraints come from the first name.
    steps: list[ops.MigrateOp] = [_create("a"), ops.RenameTableOp("a", "b")]
    assert optimize(steps) == steps


def test_create_then_drop_table_removes_both_and_what_was_done_in_between() -> None:
    steps: list[ops.MigrateOp] = [
        _create("tmp"),
        ops.CreateIndexOp("ix_tmp", "tmp", ("id",)),
        _create("kept"),
        ops.AddColumnOp("tmp", sa.Column("x", sa.Integer())),
        ops.DropTableOp("tmp"),
    ]
    result = optimize(steps)
    assert [type(op).__name__ for op in result] == ["CreateTableOp"]
    assert isinstance(result[0], ops.CreateTableOp) and result[0].table_name == "kept"


def test_operations_on_unrelated_tables_are_moved_across() -> None:
    steps: list[ops.MigrateOp] = [
        _create("a"),
        _create("b"),
        ops.AddColumnOp("a", sa.Column("x", sa.Integer())),
    ]
    result = optimize(steps)
    assert [op.table_name for op in result if isinstance(op, ops.CreateTableOp)] == ["a", "b"]
    assert len(result) == 2


def test_nothing_moves_before_the_table_its_foreign_key_needs() -> None:
    # The new column of 'a' points at 'b', created after 'a': folding it into a's create
    # would make 'a' refer to a table that does not exist yet.
    column = sa.Column("b_id", sa.Integer(), sa.ForeignKey("b.id"))
    steps: list[ops.MigrateOp] = [_create("a"), _create("b"), ops.AddColumnOp("a", column)]
    assert optimize(steps) == steps


def test_nothing_moves_across_sql() -> None:
    steps: list[ops.MigrateOp] = [
        _create("a"),
        ops.ExecuteSQLOp("INSERT INTO a (id) VALUES (1)"),
        ops.DropTableOp("a"),
    ]
    assert optimize(steps) == steps


def test_a_table_the_operations_in_between_use_is_not_dropped_early() -> None:
    referring = _create("c", sa.Column("a_id", sa.Integer(), sa.ForeignKey("a.id")))
    steps: list[ops.MigrateOp] = [_create("a"), referring, ops.DropTableOp("a")]
    assert optimize(steps) == steps


def test_a_dropped_table_is_dropped_where_it_was() -> None:
    # 'post' may refer to 'account' (the drop does not say): 'account' goes after it.
    steps: list[ops.MigrateOp] = [
        ops.AlterColumnOp("account", "name", modify_nullable=True, existing_type=sa.String(5)),
        ops.DropTableOp("post"),
        ops.DropTableOp("account"),
    ]
    assert optimize(steps) == [ops.DropTableOp("post"), ops.DropTableOp("account")]


def test_thousands_of_operations_reduce_in_a_moment() -> None:
    added = [ops.AddColumnOp("big", sa.Column(f"c{n}", sa.Integer())) for n in range(3000)]
    (created,) = optimize([_create("big"), *added])
    assert len(_columns(created)) == 3001
    dropped = [ops.DropColumnOp("big", f"c{n}") for n in range(3000)]
    assert optimize([*dropped, ops.DropTableOp("big")]) == [ops.DropTableOp("big")]
