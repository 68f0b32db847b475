"""Every ``op`` operation run on the real PostgreSQL and MariaDB/MySQL servers.

Each test applies operations on a live connection, the way a migration does, and then reads
the resulting schema back with SQLAlchemy's inspector (and rows where data is involved).
Tests of both servers are parametrized; dialect-specific ones ask for one server only.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine.interfaces import ReflectedColumn

from flask_migrate_lite.engine.ddl import impl_for
from flask_migrate_lite.engine.errors import UnsupportedOperation
from flask_migrate_lite.engine.operations.api import Operations, op, running
from tests.fakes import FakeMigration


def _engine(url: str) -> Iterator[sa.Engine]:
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    yield engine
    engine.dispose()


@pytest.fixture(
    params=[
        pytest.param("postgresql_url", marks=pytest.mark.postgresql, id="postgresql"),
        pytest.param("mysql_url", marks=pytest.mark.mysql, id="mysql"),
    ]
)
def engine(request: pytest.FixtureRequest) -> Iterator[sa.Engine]:
    """An engine on an empty database of each server."""
    yield from _engine(str(request.getfixturevalue(request.param)))


@pytest.fixture
def pg_engine(postgresql_url: str) -> Iterator[sa.Engine]:
    yield from _engine(postgresql_url)


@pytest.fixture
def my_engine(mysql_url: str) -> Iterator[sa.Engine]:
    yield from _engine(mysql_url)


@contextmanager
def migrating(engine: sa.Engine) -> Iterator[Operations]:
    with engine.begin() as connection:
        yield Operations(FakeMigration(impl_for(connection.dialect, connection)))


def is_mysql(engine: sa.Engine) -> bool:
    return engine.dialect.name in {"mysql", "mariadb"}


def mysql_name(engine: sa.Engine) -> str:
    """How errors name the server (the dialect knows once it has connected)."""
    with engine.connect() as connection:
        return "MariaDB" if getattr(connection.dialect, "is_mariadb", False) else "MySQL"


def rows(engine: sa.Engine, sql: str) -> list[tuple[Any, ...]]:
    with engine.connect() as connection:
        return [tuple(row) for row in connection.execute(sa.text(sql))]


def columns(engine: sa.Engine, table: str, schema: str | None = None) -> dict[str, ReflectedColumn]:
    return {c["name"]: c for c in sa.inspect(engine).get_columns(table, schema=schema)}


def indexes(
    engine: sa.Engine, table: str, schema: str | None = None
) -> dict[str | None, tuple[list[str | None], bool]]:
    """Index name -> (columns, unique), without PostgreSQL's indexes behind constraints."""
    return {
        i["name"]: (list(i["column_names"]), bool(i["unique"]))
        for i in sa.inspect(engine).get_indexes(table, schema=schema)
        if not i.get("duplicates_constraint")
    }


def uniques(engine: sa.Engine, table: str) -> dict[str | None, list[str]]:
    return {
        u["name"]: list(u["column_names"]) for u in sa.inspect(engine).get_unique_constraints(table)
    }


def checks(engine: sa.Engine, table: str) -> dict[str | None, str]:
    return {c["name"]: c["sqltext"] for c in sa.inspect(engine).get_check_constraints(table)}


def default(column: ReflectedColumn) -> str | None:
    """A reflected server default without quotes and PostgreSQL's ``::type`` cast."""
    value = column["default"]
    if value is None:
        return None
    return re.sub(r"::[\w ]+$", "", value).strip("'")


def _account(ops: Operations, **kw: Any) -> sa.Table:
    ops.create_table("org", sa.Column("id", sa.Integer, primary_key=True))
    return ops.create_table(
        "account",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("name", sa.String(50), nullable=False),
        sa.Column("org_id", sa.Integer, sa.ForeignKey("org.id"), index=True),
        sa.UniqueConstraint("name", name="uq_account_name"),
        **kw,
    )


# --- tables ---------------------------------------------------------------------------------


def test_create_table_and_bulk_insert(engine: sa.Engine) -> None:
    with migrating(engine) as ops:
        ops.create_table("org", sa.Column("id", sa.Integer, primary_key=True))
        item = ops.create_table(
            "item",
            sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
            sa.Column("code", sa.String(20), nullable=False, unique=True, comment="SKU"),
            sa.Column("qty", sa.Integer, nullable=False, server_default="0"),
            sa.Column("org_id", sa.Integer, sa.ForeignKey("org.id", ondelete="CASCADE")),
            sa.Column("label", sa.String(40), index=True),
            sa.CheckConstraint("qty >= 0", name="ck_item_qty"),
            comment="Things we sell",
        )
        # An executemany: every row names the same columns.
        ops.bulk_insert(item, [{"id": 1, "code": "a", "qty": 3}, {"id": 2, "code": "b", "qty": 0}])
        ops.bulk_insert(item, [{"id": 3, "code": "c", "label": "x"}], multiinsert=False)
        ops.bulk_insert(
            item, [{"id": 4, "code": ops.inline_literal("d"), "qty": 1}, {"id": 5, "code": "e"}]
        )
        ops.bulk_insert(item, [])
    inspector = sa.inspect(engine)
    assert sorted(inspector.get_table_names()) == ["item", "org"]
    cols = columns(engine, "item")
    assert list(cols) == ["id", "code", "qty", "org_id", "label"]
    assert [cols[name]["nullable"] for name in cols] == [False, False, False, True, True]
    assert cols["code"]["comment"] == "SKU"
    assert default(cols["qty"]) == "0"
    assert inspector.get_pk_constraint("item")["constrained_columns"] == ["id"]
    (fk,) = inspector.get_foreign_keys("item")
    assert (fk["referred_table"], fk["constrained_columns"], fk["referred_columns"]) == (
        "org",
        ["org_id"],
        ["id"],
    )
    assert fk["options"].get("ondelete") == "CASCADE"
    assert list(uniques(engine, "item").values()) == [["code"]]
    assert list(checks(engine, "item")) == ["ck_item_qty"]
    assert indexes(engine, "item")["ix_item_label"] == (["label"], False)
    assert inspector.get_table_comment("item")["text"] == "Things we sell"
    assert rows(engine, "SELECT id, code, qty, label FROM item ORDER BY id") == [
        (1, "a", 3, None),
        (2, "b", 0, None),
        (3, "c", 0, "x"),
        (4, "d", 1, None),
        (5, "e", 0, None),
    ]
    # The CHECK is enforced.
    with pytest.raises(sa.exc.DBAPIError), engine.begin() as connection:
        connection.exec_driver_sql("INSERT INTO item (id, code, qty) VALUES (9, 'z', -1)")


def test_rename_table(engine: sa.Engine) -> None:
    with migrating(engine) as ops:
        account = _account(ops)
        ops.bulk_insert(account, [{"id": 1, "name": "ann"}])
        ops.rename_table("account", "member")
    assert sorted(sa.inspect(engine).get_table_names()) == ["member", "org"]
    assert rows(engine, "SELECT id, name FROM member") == [(1, "ann")]


def test_table_comments(engine: sa.Engine) -> None:
    with migrating(engine) as ops:
        _account(ops)
        ops.create_table_comment("account", "People who can log in")
        ops.create_table_comment("org", "Companies")
    inspector = sa.inspect(engine)
    assert inspector.get_table_comment("account")["text"] == "People who can log in"
    with migrating(engine) as ops:
        ops.create_table_comment("account", "Users", existing_comment="People who can log in")
        ops.drop_table_comment("org", existing_comment="Companies")
    inspector = sa.inspect(engine)
    assert inspector.get_table_comment("account")["text"] == "Users"
    assert inspector.get_table_comment("org")["text"] is None


def test_drop_table(engine: sa.Engine) -> None:
    with migrating(engine) as ops:
        _account(ops)
        ops.drop_table("account")
        ops.drop_table("account", if_exists=True)
    assert sa.inspect(engine).get_table_names() == ["org"]


def test_execute_text_and_inline_literal(engine: sa.Engine) -> None:
    account = sa.table("account", sa.column("id", sa.Integer), sa.column("name", sa.String))
    with migrating(engine) as ops:
        _account(ops)
        ops.execute("INSERT INTO account (id, name) VALUES (1, 'ann'), (2, 'bob')")
        ops.execute(sa.text("UPDATE account SET name = 'cy' WHERE id = 2"))
        # The same statement shape with different inline values: no stale cached SQL.
        for ident, name in ((1, "ANN"), (2, "CY")):
            ops.execute(
                account.update()
                .where(account.c.id == ops.inline_literal(ident))
                .values(name=ops.inline_literal(name))
            )
        ops.execute(
            account.insert().values(id=ops.inline_literal(3), name=ops.inline_literal("o'k"))
        )
        assert ops.get_bind().execute(sa.text("SELECT count(*) FROM account")).scalar() == 3
    assert rows(engine, "SELECT id, name FROM account ORDER BY id") == [
        (1, "ANN"),
        (2, "CY"),
        (3, "o'k"),
    ]


def test_op_handle_runs_a_migration_function(engine: sa.Engine) -> None:
    def upgrade() -> None:
        op.create_table("tag", sa.Column("id", sa.Integer, primary_key=True))
        op.add_column("tag", sa.Column("label", sa.String(30), server_default="new"))
        op.execute("INSERT INTO tag (id) VALUES (7)")

    with migrating(engine) as ops, running(ops):
        upgrade()
    assert rows(engine, "SELECT id, label FROM tag") == [(7, "new")]


# --- columns --------------------------------------------------------------------------------


def test_add_column(engine: sa.Engine) -> None:
    with migrating(engine) as ops:
        account = _account(ops)
        ops.bulk_insert(account, [{"id": 1, "name": "ann"}, {"id": 2, "name": "bob"}])
        ops.add_column("account", sa.Column("nickname", sa.String(30)))
        ops.add_column(
            "account",
            sa.Column("points", sa.Integer, nullable=False, server_default="10"),
        )
        ops.add_column(
            "account",
            sa.Column(
                "parent_org", sa.Integer, sa.ForeignKey("org.id", ondelete="SET NULL"), index=True
            ),
        )
        ops.add_column(
            "account",
            sa.Column("email", sa.String(120), unique=True, comment="Where we write"),
        )
    cols = columns(engine, "account")
    assert list(cols) == ["id", "name", "org_id", "nickname", "points", "parent_org", "email"]
    assert cols["nickname"]["nullable"] is True
    assert cols["points"]["nullable"] is False
    assert default(cols["points"]) == "10"
    assert cols["email"]["comment"] == "Where we write"
    assert indexes(engine, "account")["ix_account_parent_org"] == (["parent_org"], False)
    assert ["email"] in uniques(engine, "account").values()
    fks = {
        fk["constrained_columns"][0]: fk for fk in sa.inspect(engine).get_foreign_keys("account")
    }
    assert fks["parent_org"]["referred_table"] == "org"
    assert fks["parent_org"]["options"].get("ondelete") == "SET NULL"
    assert rows(engine, "SELECT id, nickname, points, email FROM account ORDER BY id") == [
        (1, None, 10, None),
        (2, None, 10, None),
    ]


def test_drop_column(engine: sa.Engine) -> None:
    with migrating(engine) as ops:
        account = _account(ops)
        ops.add_column("account", sa.Column("note", sa.Text))
        ops.bulk_insert(account, [{"id": 1, "name": "ann"}])
        ops.drop_column("account", "note")
    assert list(columns(engine, "account")) == ["id", "name", "org_id"]
    assert rows(engine, "SELECT id, name FROM account") == [(1, "ann")]


def test_alter_column_type(engine: sa.Engine) -> None:
    with migrating(engine) as ops:
        account = _account(ops)
        ops.add_column(
            "account", sa.Column("points", sa.Integer, nullable=False, server_default="0")
        )
        ops.bulk_insert(account, [{"id": 1, "name": "ann"}])
        ops.alter_column(
            "account",
            "name",
            type_=sa.String(100),
            existing_type=sa.String(50),
            existing_nullable=False,
        )
        ops.alter_column(
            "account",
            "points",
            type_=sa.BigInteger,
            existing_nullable=False,
            existing_server_default="0",
        )
    cols = columns(engine, "account")
    assert isinstance(cols["name"]["type"], sa.String)
    assert cols["name"]["type"].length == 100
    assert cols["name"]["nullable"] is False
    assert isinstance(cols["points"]["type"], sa.BigInteger)
    assert cols["points"]["nullable"] is False
    assert default(cols["points"]) == "0"
    big = 2**40
    with engine.begin() as connection:
        connection.exec_driver_sql(f"UPDATE account SET points = {big}, name = '{'x' * 100}'")
    assert rows(engine, "SELECT points, length(name) FROM account") == [(big, 100)]


def test_alter_column_nullable_both_ways(engine: sa.Engine) -> None:
    with migrating(engine) as ops:
        account = _account(ops)
        ops.bulk_insert(account, [{"id": 1, "name": "ann", "org_id": None}])
        ops.alter_column("account", "name", nullable=True, existing_type=sa.String(50))
        ops.execute("INSERT INTO account (id) VALUES (2)")
    assert columns(engine, "account")["name"]["nullable"] is True
    with migrating(engine) as ops:
        ops.execute("UPDATE account SET name = 'bob' WHERE id = 2")
        ops.alter_column("account", "name", nullable=False, existing_type=sa.String(50))
    cols = columns(engine, "account")
    assert cols["name"]["nullable"] is False
    assert cols["name"]["type"].length == 50  # type: ignore[attr-defined]
    assert rows(engine, "SELECT id, name FROM account ORDER BY id") == [(1, "ann"), (2, "bob")]
    with pytest.raises(sa.exc.DBAPIError), engine.begin() as connection:
        connection.exec_driver_sql("INSERT INTO account (id, name) VALUES (3, NULL)")


def test_alter_column_server_default(engine: sa.Engine) -> None:
    with migrating(engine) as ops:
        _account(ops)
        ops.add_column("account", sa.Column("status", sa.String(10)))
        ops.add_column("account", sa.Column("points", sa.Integer))
        # A default alone needs no existing_* on any database.
        ops.alter_column("account", "status", server_default="new")
        ops.alter_column("account", "points", server_default=sa.text("5"))
        ops.execute("INSERT INTO account (id, name) VALUES (1, 'ann')")
        ops.alter_column("account", "status", server_default="old", existing_server_default="new")
        ops.execute("INSERT INTO account (id, name) VALUES (2, 'bob')")
        ops.alter_column("account", "points", server_default=None)
        ops.execute("INSERT INTO account (id, name) VALUES (3, 'cy')")
    cols = columns(engine, "account")
    assert default(cols["status"]) == "old"
    assert cols["points"]["default"] is None
    assert rows(engine, "SELECT id, status, points FROM account ORDER BY id") == [
        (1, "new", 5),
        (2, "old", 5),
        (3, "old", None),
    ]


def test_alter_column_comment(engine: sa.Engine) -> None:
    with migrating(engine) as ops:
        _account(ops)
        ops.alter_column(
            "account",
            "name",
            comment="Display name",
            existing_type=sa.String(50),
            existing_nullable=False,
        )
    assert columns(engine, "account")["name"]["comment"] == "Display name"
    with migrating(engine) as ops:
        ops.alter_column(
            "account",
            "name",
            comment=None,
            existing_comment="Display name",
            existing_type=sa.String(50),
            existing_nullable=False,
        )
    cols = columns(engine, "account")
    assert cols["name"]["comment"] is None
    assert cols["name"]["nullable"] is False
    assert cols["name"]["type"].length == 50  # type: ignore[attr-defined]


def test_alter_column_rename(engine: sa.Engine) -> None:
    with migrating(engine) as ops:
        account = _account(ops)
        ops.add_column("account", sa.Column("status", sa.String(10), server_default="new"))
        ops.bulk_insert(account, [{"id": 1, "name": "ann"}])
        # A name alone needs no existing_* on any database.
        ops.alter_column("account", "status", new_column_name="state")
        # A name with a type change.
        ops.alter_column(
            "account",
            "name",
            new_column_name="title",
            type_=sa.String(80),
            existing_nullable=False,
        )
    cols = columns(engine, "account")
    assert list(cols) == ["id", "title", "org_id", "state"]
    assert default(cols["state"]) == "new"
    assert cols["title"]["type"].length == 80  # type: ignore[attr-defined]
    assert cols["title"]["nullable"] is False
    # The unique constraint followed the column.
    assert uniques(engine, "account") == {"uq_account_name": ["title"]}
    assert rows(engine, "SELECT id, title, state FROM account") == [(1, "ann", "new")]


@pytest.mark.mysql
def test_mysql_alter_column_reads_what_it_is_not_given(my_engine: sa.Engine) -> None:
    # Online the column's current definition is read, so MODIFY restates it; offline the
    # same calls are refused (tests/unit/test_ddl_compile.py).
    with migrating(my_engine) as ops:
        _account(ops)
        ops.add_column("account", sa.Column("status", sa.String(10), server_default="new"))
        ops.alter_column("account", "name", nullable=True)
        ops.alter_column("account", "name", comment="Display name")
        ops.alter_column("account", "name", type_=sa.String(60))
        ops.alter_column("account", "name", nullable=False)
        ops.alter_column("account", "status", type_=sa.String(20), existing_nullable=True)
    cols = columns(my_engine, "account")
    assert [(c["name"], c["nullable"]) for c in cols.values()] == [
        ("id", False),
        ("name", False),
        ("org_id", True),
        ("status", True),
    ]
    assert cols["name"]["type"].length == 60  # type: ignore[attr-defined]
    assert cols["name"]["comment"] == "Display name"
    assert cols["status"]["type"].length == 20  # type: ignore[attr-defined]
    assert default(cols["status"]) == "new"


@pytest.mark.postgresql
def test_postgresql_alter_column_type_using(pg_engine: sa.Engine) -> None:
    with migrating(pg_engine) as ops:
        item = ops.create_table(
            "item",
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("qty", sa.String(10)),
        )
        ops.bulk_insert(item, [{"id": 1, "qty": "12"}, {"id": 2, "qty": None}])
        ops.alter_column(
            "item",
            "qty",
            type_=sa.Integer,
            existing_type=sa.String(10),
            postgresql_using="qty::integer",
        )
        ops.alter_column("item", "id", type_=sa.BigInteger, postgresql_using=sa.text("id::bigint"))
    cols = columns(pg_engine, "item")
    assert isinstance(cols["qty"]["type"], sa.Integer)
    assert isinstance(cols["id"]["type"], sa.BigInteger)
    assert rows(pg_engine, "SELECT id, qty FROM item ORDER BY id") == [(1, 12), (2, None)]


# --- indexes --------------------------------------------------------------------------------


def test_indexes(engine: sa.Engine) -> None:
    with migrating(engine) as ops:
        _account(ops)
        ops.add_column("account", sa.Column("email", sa.String(120)))
        ops.create_index("ix_account_email", "account", ["email"], unique=True)
        ops.create_index("ix_account_name_org", "account", ["name", "org_id"])
        ops.create_index("ix_account_org_name", "account", ["org_id", "name"], unique=True)
        ops.create_index("ix_account_name_org", "account", ["name"], if_not_exists=True)
    found = indexes(engine, "account")
    assert found["ix_account_email"] == (["email"], True)
    assert found["ix_account_name_org"] == (["name", "org_id"], False)
    assert found["ix_account_org_name"] == (["org_id", "name"], True)
    with migrating(engine) as ops:
        ops.drop_index("ix_account_email", table_name="account")
        ops.drop_index("ix_account_name_org", "account")
        ops.drop_index("ix_missing", "account", if_exists=True)
    found = indexes(engine, "account")
    assert "ix_account_email" not in found
    assert "ix_account_name_org" not in found
    assert "ix_account_org_name" in found


@pytest.mark.mysql
def test_mysql_drop_index_needs_the_table(my_engine: sa.Engine) -> None:
    with migrating(my_engine) as ops, pytest.raises(UnsupportedOperation) as caught:
        ops.drop_index("ix_account_org_id")
    assert str(caught.value) == (
        f"{mysql_name(my_engine)} cannot drop index 'ix_account_org_id' without its table, "
        "because DROP INDEX needs ON <table>; pass table_name= to drop_index."
    )


@pytest.mark.postgresql
def test_postgresql_partial_and_concurrent_indexes(pg_engine: sa.Engine) -> None:
    with migrating(pg_engine) as ops:
        _account(ops)
        ops.add_column("account", sa.Column("active", sa.Boolean, server_default=sa.true()))
        ops.create_index(
            "ix_account_active_name",
            "account",
            ["name"],
            unique=True,
            postgresql_where=sa.text("active"),
        )
        ops.create_index("ix_account_lower_name", "account", [sa.text("lower(name)")])
    # CREATE INDEX CONCURRENTLY refuses to run in a transaction: run it on an autocommit
    # connection, as autocommit_block() does (the block itself: tests/runtime/test_atomic.py).
    with pg_engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        ops = Operations(FakeMigration(impl_for(connection.dialect, connection)))
        with ops.get_context().autocommit_block():
            ops.create_index(
                "ix_account_org_name", "account", ["org_id", "name"], postgresql_concurrently=True
            )
            ops.drop_index("ix_account_org_id", "account", postgresql_concurrently=True)
    definitions = dict(
        rows(pg_engine, "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'account'")
    )
    assert definitions["ix_account_active_name"].endswith("USING btree (name) WHERE active")
    assert definitions["ix_account_active_name"].startswith("CREATE UNIQUE INDEX")
    assert definitions["ix_account_lower_name"].endswith("USING btree (lower((name)::text))")
    assert definitions["ix_account_org_name"].endswith("USING btree (org_id, name)")
    assert "ix_account_org_id" not in definitions
    (valid,) = rows(
        pg_engine,
        "SELECT indisvalid FROM pg_index WHERE indexrelid = 'ix_account_org_name'::regclass",
    )
    assert valid == (True,)


# --- constraints ----------------------------------------------------------------------------


def test_unique_constraint(engine: sa.Engine) -> None:
    with migrating(engine) as ops:
        _account(ops)
        ops.add_column("account", sa.Column("email", sa.String(120)))
        ops.create_unique_constraint("uq_account_email", "account", ["email"])
        ops.create_unique_constraint("uq_account_org_email", "account", ["org_id", "email"])
    assert uniques(engine, "account") == {
        "uq_account_name": ["name"],
        "uq_account_email": ["email"],
        "uq_account_org_email": ["org_id", "email"],
    }
    with migrating(engine) as ops:
        ops.drop_constraint("uq_account_email", "account", type_="unique")
        ops.drop_constraint("uq_account_name", "account", type_="unique")
    assert uniques(engine, "account") == {"uq_account_org_email": ["org_id", "email"]}


def test_foreign_key(engine: sa.Engine) -> None:
    with migrating(engine) as ops:
        _account(ops)
        post = ops.create_table(
            "post",
            sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
            sa.Column("author_id", sa.Integer),
            sa.Column("editor_id", sa.Integer),
        )
        ops.create_foreign_key(
            "fk_post_author",
            "post",
            "account",
            ["author_id"],
            ["id"],
            ondelete="CASCADE",
            onupdate="CASCADE",
        )
        ops.create_foreign_key("fk_post_editor", "post", "account", ["editor_id"], ["id"])
        ops.execute("INSERT INTO account (id, name) VALUES (1, 'ann'), (2, 'bob')")
        ops.bulk_insert(
            post,
            [
                {"id": 10, "author_id": 1, "editor_id": 2},
                {"id": 11, "author_id": 2, "editor_id": None},
            ],
        )
    fks = {fk["name"]: fk for fk in sa.inspect(engine).get_foreign_keys("post")}
    assert sorted(fks) == ["fk_post_author", "fk_post_editor"]  # type: ignore[type-var]
    author = fks["fk_post_author"]
    assert (
        author["constrained_columns"],
        author["referred_table"],
        author["referred_columns"],
    ) == (
        ["author_id"],
        "account",
        ["id"],
    )
    assert author["options"] == {"ondelete": "CASCADE", "onupdate": "CASCADE"}
    with engine.begin() as connection:
        connection.exec_driver_sql("UPDATE account SET id = 5 WHERE id = 1")
    assert rows(engine, "SELECT id, author_id FROM post ORDER BY id") == [(10, 5), (11, 2)]
    with pytest.raises(sa.exc.IntegrityError), engine.begin() as connection:
        connection.exec_driver_sql("DELETE FROM account WHERE id = 2")
    with migrating(engine) as ops:
        ops.drop_constraint("fk_post_editor", "post", type_="foreignkey")
        ops.execute("DELETE FROM account WHERE id = 2")
        ops.drop_constraint("fk_post_author", "post", type_="foreignkey")
    assert sa.inspect(engine).get_foreign_keys("post") == []
    # The cascade removed the post of the deleted author.
    assert rows(engine, "SELECT id, author_id, editor_id FROM post") == [(10, 5, 2)]


def test_check_constraint(engine: sa.Engine) -> None:
    with migrating(engine) as ops:
        item = ops.create_table(
            "item",
            sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
            sa.Column("qty", sa.Integer),
        )
        ops.create_check_constraint("ck_item_qty", "item", "qty >= 0")
        ops.create_check_constraint("ck_item_small", "item", sa.column("qty") < 1000)
        ops.bulk_insert(item, [{"id": 1, "qty": 5}])
    found = checks(engine, "item")
    assert sorted(found) == ["ck_item_qty", "ck_item_small"]  # type: ignore[type-var]
    assert re.sub(r"[`()\s]", "", found["ck_item_qty"]) == "qty>=0"
    with pytest.raises(sa.exc.DBAPIError), engine.begin() as connection:
        connection.exec_driver_sql("INSERT INTO item (id, qty) VALUES (2, -1)")
    with migrating(engine) as ops:
        ops.drop_constraint("ck_item_qty", "item", type_="check")
    assert list(checks(engine, "item")) == ["ck_item_small"]
    with engine.begin() as connection:
        connection.exec_driver_sql("INSERT INTO item (id, qty) VALUES (2, -1)")


def test_create_and_drop_primary_key(engine: sa.Engine) -> None:
    with migrating(engine) as ops:
        membership = ops.create_table(
            "membership",
            sa.Column("user_id", sa.Integer, nullable=False),
            sa.Column("group_id", sa.Integer, nullable=False),
        )
        ops.bulk_insert(membership, [{"user_id": 1, "group_id": 1}])
    assert sa.inspect(engine).get_pk_constraint("membership")["constrained_columns"] == []
    with migrating(engine) as ops:
        ops.create_primary_key("pk_membership", "membership", ["user_id", "group_id"])
    pk = sa.inspect(engine).get_pk_constraint("membership")
    assert pk["constrained_columns"] == ["user_id", "group_id"]
    if not is_mysql(engine):  # MySQL calls every primary key PRIMARY
        assert pk["name"] == "pk_membership"
    with pytest.raises(sa.exc.IntegrityError), engine.begin() as connection:
        connection.exec_driver_sql("INSERT INTO membership VALUES (1, 1)")
    with migrating(engine) as ops:
        ops.drop_constraint("pk_membership", "membership", type_="primary")
    assert sa.inspect(engine).get_pk_constraint("membership")["constrained_columns"] == []


def test_drop_constraint_without_type(engine: sa.Engine) -> None:
    with migrating(engine) as ops:
        _account(ops)
        if is_mysql(engine):
            with pytest.raises(UnsupportedOperation) as caught:
                ops.drop_constraint("uq_account_name", "account")
            assert str(caught.value) == (
                f"{mysql_name(engine)} cannot drop the constraint 'uq_account_name' of table "
                "'account' without knowing its kind, because each kind has its own DROP "
                "statement; pass type_='foreignkey', 'unique', 'check' or 'primary' to "
                "drop_constraint."
            )
        else:
            # PostgreSQL drops any constraint by name.
            ops.drop_constraint("uq_account_name", "account")
    expected = {"uq_account_name": ["name"]} if is_mysql(engine) else {}
    assert uniques(engine, "account") == expected


# --- PostgreSQL enums and schemas -----------------------------------------------------------


def _enum_types(engine: sa.Engine) -> list[tuple[str, str, list[str]]]:
    return sorted(
        (e["schema"], e["name"], list(e["labels"]))
        for e in sa.inspect(engine).get_enums(schema="*")  # type: ignore[attr-defined]
    )


@pytest.mark.postgresql
def test_postgresql_enums(pg_engine: sa.Engine) -> None:
    mood = sa.Enum("happy", "sad", name="mood")
    with migrating(pg_engine) as ops:
        person = ops.create_table(
            "person",
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("mood", mood, nullable=False, server_default="happy"),
        )
        ops.bulk_insert(person, [{"id": 1, "mood": "happy"}, {"id": 2, "mood": "sad"}])
        ops.execute("INSERT INTO person (id) VALUES (3)")
        # A second table with the same type does not create it again.
        ops.create_table(
            "pet",
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("mood", sa.Enum("happy", "sad", name="mood")),
        )
        ops.create_table("robot", sa.Column("id", sa.Integer, primary_key=True))
        # Adding a column of a type that exists.
        ops.add_column("robot", sa.Column("mood", sa.Enum("happy", "sad", name="mood")))
        # ... and of a new one.
        ops.add_column("robot", sa.Column("size", sa.Enum("small", "large", name="robot_size")))
        ops.execute("INSERT INTO robot (id, mood, size) VALUES (1, 'sad', 'large')")
        ops.drop_table("pet")
    assert _enum_types(pg_engine) == [
        ("public", "mood", ["happy", "sad"]),
        ("public", "robot_size", ["small", "large"]),
    ]
    cols = columns(pg_engine, "robot")
    assert isinstance(cols["mood"]["type"], sa.Enum)
    assert cols["mood"]["type"].name == "mood"
    assert rows(pg_engine, "SELECT id, mood::text FROM person ORDER BY id") == [
        (1, "happy"),
        (2, "sad"),
        (3, "happy"),
    ]
    assert rows(pg_engine, "SELECT mood::text, size::text FROM robot") == [("sad", "large")]
    with pytest.raises(sa.exc.DataError), pg_engine.begin() as connection:
        connection.exec_driver_sql("INSERT INTO person (id, mood) VALUES (4, 'angry')")


@pytest.mark.postgresql
def test_postgresql_schemas(pg_engine: sa.Engine) -> None:
    schema = "fml_archive"
    with migrating(pg_engine) as ops:
        ops.execute(f"CREATE SCHEMA {schema}")
        ops.create_table("org", sa.Column("id", sa.Integer, primary_key=True))
        audit = ops.create_table(
            "audit",
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("note", sa.String(40), index=True, comment="What happened"),
            sa.Column("org_id", sa.Integer, sa.ForeignKey("public.org.id")),
            schema=schema,
            comment="Old entries",
        )
        ops.bulk_insert(audit, [{"id": 1, "note": "created"}])
        ops.add_column(
            "audit",
            sa.Column("level", sa.Integer, nullable=False, server_default="1"),
            schema=schema,
        )
        ops.alter_column(
            "audit", "note", type_=sa.String(80), new_column_name="what", schema=schema
        )
        ops.create_index("ix_audit_level", "audit", ["level"], schema=schema)
        ops.create_unique_constraint("uq_audit_what", "audit", ["what"], schema=schema)
        ops.create_check_constraint("ck_audit_level", "audit", "level > 0", schema=schema)
        ops.create_table_comment("audit", "Archived entries", schema=schema)
        ops.rename_table("audit", "audit_log", schema=schema)
        ops.create_table("scratch", sa.Column("id", sa.Integer), schema=schema)
        ops.drop_table("scratch", schema=schema)
    inspector = sa.inspect(pg_engine)
    assert inspector.get_table_names(schema=schema) == ["audit_log"]
    assert inspector.get_table_names() == ["org"]
    cols = columns(pg_engine, "audit_log", schema)
    assert list(cols) == ["id", "what", "org_id", "level"]
    assert cols["what"]["type"].length == 80  # type: ignore[attr-defined]
    assert cols["what"]["comment"] == "What happened"
    assert inspector.get_table_comment("audit_log", schema=schema)["text"] == "Archived entries"
    assert indexes(pg_engine, "audit_log", schema) == {
        "ix_fml_archive_audit_note": (["what"], False),
        "ix_audit_level": (["level"], False),
    }
    (fk,) = inspector.get_foreign_keys("audit_log", schema=schema)
    assert (fk["referred_schema"], fk["referred_table"]) == (None, "org")  # the default schema
    assert [c["name"] for c in inspector.get_check_constraints("audit_log", schema=schema)] == [
        "ck_audit_level"
    ]
    assert rows(pg_engine, f"SELECT id, what, level FROM {schema}.audit_log") == [(1, "created", 1)]
    with migrating(pg_engine) as ops:
        ops.drop_constraint("uq_audit_what", "audit_log", type_="unique", schema=schema)
        ops.drop_index("ix_audit_level", "audit_log", schema=schema)
        ops.drop_column("audit_log", "level", schema=schema)
    assert list(columns(pg_engine, "audit_log", schema)) == ["id", "what", "org_id"]
    assert list(indexes(pg_engine, "audit_log", schema)) == ["ix_fml_archive_audit_note"]


@pytest.mark.postgresql
def test_postgresql_enums_in_schemas(pg_engine: sa.Engine) -> None:
    with migrating(pg_engine) as ops:
        ops.execute("CREATE SCHEMA fml_zoo")
        # A type without a schema of its own goes where SQLAlchemy puts it (and looks for
        # it): the default schema; one with a schema goes there.
        ops.create_table(
            "pet",
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("mood", sa.Enum("happy", "sad", name="mood")),
            sa.Column("kind", sa.Enum("cat", "dog", name="kind", schema="fml_zoo")),
            schema="fml_zoo",
        )
        ops.create_table("keeper", sa.Column("id", sa.Integer, primary_key=True), schema="fml_zoo")
        ops.add_column(
            "keeper", sa.Column("mood", sa.Enum("happy", "sad", name="mood")), schema="fml_zoo"
        )
        ops.add_column(
            "keeper",
            sa.Column("shift", sa.Enum("day", "night", name="shift", schema="fml_zoo")),
            schema="fml_zoo",
        )
        ops.execute("INSERT INTO fml_zoo.pet (id, mood, kind) VALUES (1, 'sad', 'dog')")
        ops.execute("INSERT INTO fml_zoo.keeper (id, mood, shift) VALUES (1, 'happy', 'night')")
    assert _enum_types(pg_engine) == [
        ("fml_zoo", "kind", ["cat", "dog"]),
        ("fml_zoo", "shift", ["day", "night"]),
        ("public", "mood", ["happy", "sad"]),
    ]


def test_batch_rebuild_keeps_names_with_percent_and_colon(engine: sa.Engine) -> None:
    # The copy of the rows names every column; '%' and ':' in names must reach the server once.
    with engine.begin() as connection:
        connection.execute(
            sa.text('CREATE TABLE "100%_done" ("id" INTEGER, "a:b%c" VARCHAR(10))')
            if not is_mysql(engine)
            else sa.text("CREATE TABLE `100%_done` (`id` INTEGER, `a:b%c` VARCHAR(10))")
        )
        connection.execute(
            sa.table("100%_done", sa.column("id"), sa.column("a:b%c")).insert(),
            [{"id": 1, "a:b%c": "x%y"}],
        )
    with migrating(engine) as ops:
        with ops.batch_alter_table("100%_done", recreate="always") as batch:
            batch.add_column(sa.Column("extra", sa.Integer(), nullable=True))
    assert list(columns(engine, "100%_done")) == ["id", "a:b%c", "extra"]
    table = sa.table("100%_done", sa.column("id"), sa.column("a:b%c"), sa.column("extra"))
    with engine.connect() as connection:
        assert [tuple(r) for r in connection.execute(sa.select(table))] == [(1, "x%y", None)]
