"""Every operation SQLite supports in place, run on a real database file."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from flask_migrate_lite.engine.ddl import impl_for
from flask_migrate_lite.engine.errors import UnsupportedOperation
from flask_migrate_lite.engine.operations.api import Operations, op, running
from tests.fakes import FakeMigration

pytestmark = pytest.mark.sqlite


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[sa.Engine]:
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'app.db'}")
    yield engine
    engine.dispose()


@contextmanager
def migrating(engine: sa.Engine) -> Iterator[Operations]:
    with engine.begin() as connection:
        yield Operations(FakeMigration(impl_for(connection.dialect, connection)))


def _account(ops: Operations) -> sa.Table:
    ops.create_table("org", sa.Column("id", sa.Integer, primary_key=True))
    return ops.create_table(
        "account",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(50), nullable=False),
        sa.Column("org_id", sa.Integer, sa.ForeignKey("org.id"), index=True),
        sa.UniqueConstraint("name", name="uq_account_name"),
    )


def rows(engine: sa.Engine, sql: str) -> list[tuple[Any, ...]]:
    with engine.connect() as connection:
        return [tuple(row) for row in connection.execute(sa.text(sql))]


def test_create_table_and_bulk_insert(engine: sa.Engine) -> None:
    with migrating(engine) as ops:
        account = _account(ops)
        ops.bulk_insert(account, [{"id": 1, "name": "ann"}, {"id": 2, "name": "bob"}])
        ops.bulk_insert(account, [{"id": 3, "name": "cy"}], multiinsert=False)
    inspector = sa.inspect(engine)
    assert inspector.get_table_names() == ["account", "org"]
    assert [c["name"] for c in inspector.get_columns("account")] == ["id", "name", "org_id"]
    assert inspector.get_pk_constraint("account")["constrained_columns"] == ["id"]
    (fk,) = inspector.get_foreign_keys("account")
    assert (fk["referred_table"], fk["constrained_columns"]) == ("org", ["org_id"])
    assert [
        (u["name"], u["column_names"]) for u in inspector.get_unique_constraints("account")
    ] == [("uq_account_name", ["name"])]
    assert [i["name"] for i in inspector.get_indexes("account")] == ["ix_account_org_id"]
    assert rows(engine, "SELECT id, name FROM account ORDER BY id") == [
        (1, "ann"),
        (2, "bob"),
        (3, "cy"),
    ]


def test_add_column_fills_existing_rows_and_adds_index_and_reference(engine: sa.Engine) -> None:
    with migrating(engine) as ops:
        account = _account(ops)
        ops.bulk_insert(account, [{"id": 1, "name": "ann"}])
        ops.add_column(
            "account",
            sa.Column("active", sa.Boolean, nullable=False, server_default=sa.text("1")),
        )
        ops.add_column("account", sa.Column("email", sa.String(120), index=True, unique=True))
        ops.add_column(
            "account",
            sa.Column("parent_org", sa.Integer, sa.ForeignKey("org.id", ondelete="CASCADE")),
        )
    inspector = sa.inspect(engine)
    columns = {c["name"]: c for c in inspector.get_columns("account")}
    assert list(columns) == ["id", "name", "org_id", "active", "email", "parent_org"]
    assert columns["active"]["nullable"] is False
    assert columns["active"]["default"] == "1"
    indexes = {
        i["name"]: (i["column_names"], bool(i["unique"])) for i in inspector.get_indexes("account")
    }
    assert indexes == {
        "ix_account_org_id": (["org_id"], False),
        "ix_account_email": (["email"], True),
    }
    fks = {fk["constrained_columns"][0]: fk for fk in inspector.get_foreign_keys("account")}
    assert fks["parent_org"]["referred_table"] == "org"
    # SQLAlchemy does not reflect options of an inline REFERENCES; SQLite itself knows them.
    assert rows(
        engine,
        'SELECT "from", "table", on_delete FROM pragma_foreign_key_list(\'account\')'
        ' ORDER BY "from"',
    ) == [("org_id", "org", "NO ACTION"), ("parent_org", "org", "CASCADE")]
    assert rows(engine, "SELECT id, active, email FROM account") == [(1, 1, None)]


def test_drop_and_rename_keep_the_data(engine: sa.Engine) -> None:
    with migrating(engine) as ops:
        ops.create_table(
            "item",
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("label", sa.String(20)),
            sa.Column("note", sa.Text),
        )
        ops.execute("INSERT INTO item (id, label, note) VALUES (1, 'a', 'x'), (2, 'b', 'y')")
        ops.drop_column("item", "note")
        ops.alter_column("item", "label", new_column_name="title", comment="ignored by SQLite")
        ops.rename_table("item", "product")
    inspector = sa.inspect(engine)
    assert inspector.get_table_names() == ["product"]
    assert [c["name"] for c in inspector.get_columns("product")] == ["id", "title"]
    assert rows(engine, "SELECT id, title FROM product ORDER BY id") == [(1, "a"), (2, "b")]


def test_indexes(engine: sa.Engine) -> None:
    with migrating(engine) as ops:
        _account(ops)
        ops.create_index("ix_name_lower", "account", [sa.text("lower(name)")])
        ops.create_index("ix_name_org", "account", ["name", "org_id"], unique=True)
        ops.create_index("ix_name_org", "account", ["name"], if_not_exists=True)
        ops.drop_index("ix_account_org_id", "account")
        ops.drop_index("ix_missing", if_exists=True)
    # (SQLAlchemy's inspector skips expression indexes with a warning; ask SQLite itself.)
    assert rows(
        engine, "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
    ) == [
        ("ix_name_lower", "CREATE INDEX ix_name_lower ON account (lower(name))"),
        ("ix_name_org", "CREATE UNIQUE INDEX ix_name_org ON account (name, org_id)"),
    ]


def test_execute_inline_literal_and_get_bind(engine: sa.Engine) -> None:
    account = sa.table("account", sa.column("id", sa.Integer), sa.column("name", sa.String))
    with migrating(engine) as ops:
        _account(ops)
        ops.bulk_insert(
            account,
            [{"id": 1, "name": "ann"}, {"id": 2, "name": ops.inline_literal("bob")}],
        )
        # The same statement shape with different inline values: no stale cached SQL.
        for ident, name in ((1, "ANN"), (2, "BOB")):
            ops.execute(
                account.update()
                .where(account.c.id == ops.inline_literal(ident))
                .values(name=ops.inline_literal(name))
            )
        ops.execute(sa.text("UPDATE account SET name = name || '!' WHERE id = 2"))
        bind = ops.get_bind()
        assert bind.execute(sa.text("SELECT count(*) FROM account")).scalar() == 2
        ops.drop_table_comment("account")  # SQLite stores no comments: nothing to do
    assert rows(engine, "SELECT id, name FROM account ORDER BY id") == [(1, "ANN"), (2, "BOB!")]


def test_drop_table(engine: sa.Engine) -> None:
    with migrating(engine) as ops:
        _account(ops)
        ops.drop_table("account")
        ops.drop_table("account", if_exists=True)
    assert sa.inspect(engine).get_table_names() == ["org"]


def test_unsupported_operations_leave_the_schema_alone(engine: sa.Engine) -> None:
    with migrating(engine) as ops:
        _account(ops)
        with pytest.raises(UnsupportedOperation, match="batch_op.alter_column"):
            ops.alter_column("account", "name", nullable=True)
        with pytest.raises(UnsupportedOperation, match="batch_op.add_column"):
            ops.add_column("account", sa.Column("code", sa.Integer, nullable=False))
        with pytest.raises(UnsupportedOperation, match="batch_op.drop_constraint"):
            ops.drop_constraint("uq_account_name", "account", type_="unique")
    columns = sa.inspect(engine).get_columns("account")
    assert [(c["name"], c["nullable"]) for c in columns] == [
        ("id", False),
        ("name", False),
        ("org_id", True),
    ]


def test_old_sqlite_cannot_drop_columns(engine: sa.Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    with engine.connect() as connection:
        monkeypatch.setattr(connection.dialect, "server_version_info", (3, 31, 1))
        ops = Operations(FakeMigration(impl_for(connection.dialect, connection)))
        with pytest.raises(UnsupportedOperation) as caught:
            ops.drop_column("account", "name")
    assert str(caught.value).startswith(
        "SQLite cannot drop column before version 3.35 (this is 3.31.1); upgrade SQLite, or use "
        "'with op.batch_alter_table(\"account\") as batch_op:' and batch_op.drop_column(...)"
    )


def test_op_handle_runs_a_migration_function(engine: sa.Engine) -> None:
    def upgrade() -> None:
        op.create_table("tag", sa.Column("id", sa.Integer, primary_key=True))
        op.add_column("tag", sa.Column("label", sa.String(30), server_default="new"))
        op.execute("INSERT INTO tag (id) VALUES (7)")

    with migrating(engine) as ops, running(ops):
        upgrade()
    assert rows(engine, "SELECT id, label FROM tag") == [(7, "new")]
