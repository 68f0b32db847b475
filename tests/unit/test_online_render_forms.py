"""``online_safe=True`` rendering of unique constraints (PostgreSQL), MySQL/MariaDB column
changes, and what stays plain, exactly."""

from __future__ import annotations

import textwrap

import pytest
import sqlalchemy as sa

from flask_migrate_lite.engine.autogenerate.directives import ModifyTableOps, UpgradeOps
from flask_migrate_lite.engine.autogenerate.render import RenderOptions, render_upgrade
from flask_migrate_lite.engine.operations.ops import (
    AddColumnOp,
    AlterColumnOp,
    CreateForeignKeyOp,
    CreateUniqueConstraintOp,
)

pytestmark = pytest.mark.sqlite


def _body(dialect: str, *ops: object) -> str:
    directive = ModifyTableOps("item", list(ops))  # type: ignore[arg-type]
    options = RenderOptions(dialect_name=dialect, online_safe=True, as_batch=False)
    body = render_upgrade(UpgradeOps([directive]), options, set())
    compile(f"def upgrade():\n{body}\n", "<revision>", "exec")
    lines = body.splitlines()[1:-1]
    return textwrap.dedent("\n".join(lines)).strip("\n")


def test_postgresql_unique_constraint_through_a_concurrent_index() -> None:
    unique = CreateUniqueConstraintOp("uq_item_code", "item", ("code",))
    assert _body("postgresql", unique) == textwrap.dedent(
        """\
        with op.get_context().autocommit_block():
            op.create_index(
                'uq_item_code', 'item', ['code'], unique=True, postgresql_concurrently=True
            )

        op.execute(
            'ALTER TABLE item ADD CONSTRAINT uq_item_code UNIQUE USING INDEX uq_item_code'
        )"""
    )


@pytest.mark.parametrize(
    "operation",
    [
        CreateUniqueConstraintOp(None, "item", ("code",)),
        CreateUniqueConstraintOp("uq_item_code", "item", ("code",), kw={"deferrable": True}),
        CreateForeignKeyOp(None, "item", "owner", ("owner_id",), ("id",)),
    ],
    ids=["unnamed-unique", "deferrable-unique", "unnamed-foreign-key"],
)
def test_postgresql_constraints_without_a_name_or_with_options_stay_plain(
    operation: object,
) -> None:
    body = _body("postgresql", operation)
    assert "autocommit_block" not in body and "not_valid" not in body and "USING" not in body


def test_mysql_columns_in_place_where_the_server_can() -> None:
    body = _body(
        "mysql",
        AddColumnOp("item", sa.Column("note", sa.String(10), nullable=True)),
        AddColumnOp("item", sa.Column("n", sa.Integer(), nullable=False, server_default="0")),
        AddColumnOp("item", sa.Column("code", sa.String(10), nullable=False)),
        AddColumnOp("item", sa.Column("u", sa.String(36), server_default=sa.text("(uuid())"))),
        AddColumnOp("item", sa.Column("k", sa.Integer(), unique=True)),
        AlterColumnOp("item", "a", modify_type=sa.String(60), existing_type=sa.String(20)),
        AlterColumnOp("item", "b", modify_type=sa.String(400), existing_type=sa.String(300)),
        AlterColumnOp("item", "c", modify_type=sa.String(100), existing_type=sa.String(40)),
        AlterColumnOp("item", "d", modify_type=sa.BigInteger(), existing_type=sa.Integer()),
        AlterColumnOp(
            "item",
            "e",
            modify_type=sa.String(60),
            existing_type=sa.String(20),
            modify_nullable=False,
        ),
    )
    statements = body.split("\nop.")
    online = [s for s in statements if "mysql_algorithm" in s]
    assert [s.split("'")[3] for s in online[:2]] == ["note", "n"]
    assert all("mysql_algorithm='INSTANT'" in s and "mysql_lock" not in s for s in online[:2])
    assert [s.split("'")[3] for s in online[2:]] == ["a", "b"]
    assert all("mysql_algorithm='INPLACE',\n    mysql_lock='NONE'," in s for s in online[2:])
    assert len(online) == 4, body


def test_other_databases_get_no_mysql_options() -> None:
    add = AddColumnOp("item", sa.Column("note", sa.String(10), nullable=True))
    widen = AlterColumnOp("item", "a", modify_type=sa.String(60), existing_type=sa.String(20))
    for dialect in ("postgresql", "sqlite"):
        assert "mysql_" not in _body(dialect, add, widen)
