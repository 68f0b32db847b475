"""``batch_op`` takes the arguments of ``op`` (less the table), so the two APIs cannot drift."""

from __future__ import annotations

import inspect

import pytest

from flask_migrate_lite.engine.operations.api import Operations
from flask_migrate_lite.engine.operations.batch import BatchOperations

# What the batch fills in itself, and what only a rebuilt table can honour.
TARGET = {"table_name", "source_table", "schema", "source_schema"}
BATCH_ONLY = {"insert_before", "insert_after"}

TABLE_METHODS = [
    "add_column",
    "drop_column",
    "alter_column",
    "create_index",
    "drop_index",
    "create_unique_constraint",
    "create_foreign_key",
    "create_check_constraint",
    "create_primary_key",
    "drop_constraint",
    "create_table_comment",
    "drop_table_comment",
]


def _parameters(cls: type, name: str) -> dict[str, inspect.Parameter]:
    parameters = dict(inspect.signature(getattr(cls, name)).parameters)
    del parameters["self"]
    return parameters


@pytest.mark.parametrize("name", TABLE_METHODS)
def test_batch_method_takes_the_op_arguments(name: str) -> None:
    ours = _parameters(BatchOperations, name)
    theirs = _parameters(Operations, name)
    for parameter in ours.values():
        if parameter.name in BATCH_ONLY:
            continue
        assert parameter.name in theirs, f"batch_op.{name}() has {parameter.name}, op does not"
        op_parameter = theirs[parameter.name]
        assert (parameter.kind, parameter.default, parameter.annotation) == (
            op_parameter.kind,
            op_parameter.default,
            op_parameter.annotation,
        ), f"{name}({parameter.name}) differs between op and batch_op"
    takes_kw = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in ours.values())
    missing = [p for p in theirs if p not in TARGET and p not in ours]
    assert not missing or takes_kw, f"batch_op.{name}() lacks {missing}"


@pytest.mark.parametrize("name", ["execute", "get_bind", "get_context", "f", "inline_literal"])
def test_methods_without_a_table_are_one_definition(name: str) -> None:
    assert getattr(BatchOperations, name) is getattr(Operations, name)


def test_every_table_method_of_op_is_checked() -> None:
    # Operations that batch mode cannot record have no batch_op method.
    whole_tables = {"create_table", "drop_table", "rename_table", "bulk_insert"}
    context = {"batch_alter_table", "invoke", "migration", "execute", "get_bind"}
    context |= {"get_context", "f", "inline_literal"}
    public = {n for n in dir(Operations) if not n.startswith("_")}
    assert public - whole_tables - context == set(TABLE_METHODS)
