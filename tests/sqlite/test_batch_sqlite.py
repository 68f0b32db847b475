"""Batch mode on a real SQLite database file: every batch operation keeps rows and schema."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from flask_migrate_lite.engine.ddl import impl_for
from flask_migrate_lite.engine.ddl.sqlite_batch import foreign_keys_enforced, needs_foreign_keys_off
from flask_migrate_lite.engine.errors import CommandError, UnsupportedOperation
from flask_migrate_lite.engine.operations.api import Operations
from flask_migrate_lite.engine.operations.batch import BatchOperations
from tests.fakes import FakeMigration

pytestmark = pytest.mark.sqlite

SCHEMA = [
    "CREATE TABLE org (id INTEGER PRIMARY KEY, name VARCHAR(20))",
    "CREATE TABLE item ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " name VARCHAR(20) NOT NULL DEFAULT 'unnamed',"
    " qty VARCHAR(10),"
    " org_id INTEGER REFERENCES org (id),"
    " CONSTRAINT ck_item_qty CHECK (qty <> ''),"
    " CHECK (length(name) > 0),"
    " CONSTRAINT uq_item_name UNIQUE (name))",
    "CREATE INDEX ix_item_qty ON item (qty)",
    "CREATE INDEX ix_item_lower_name ON item (lower(name))",
    "CREATE TABLE part ("
    " id INTEGER PRIMARY KEY,"
    " item_id INTEGER REFERENCES item (id) ON DELETE CASCADE)",
    "INSERT INTO org VALUES (1, 'acme'), (2, 'globex')",
    "INSERT INTO item (name, qty, org_id)"
    " VALUES ('bolt', '10', 1), ('nut', '25', 2), ('gear', NULL, NULL)",
    "INSERT INTO part VALUES (1, 1), (2, 2), (3, 2)",
]
ITEM_ROWS = [(1, "bolt", "10", 1), (2, "nut", "25", 2), (3, "gear", None, None)]


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[sa.Engine]:
    """A database file whose connections enforce foreign keys, holding the schema above."""
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'app.db'}")

    @sa.event.listens_for(engine, "connect")
    def _enforce(dbapi_connection: Any, record: Any) -> None:
        dbapi_connection.execute("PRAGMA foreign_keys=ON")

    with engine.begin() as connection:
        for statement in SCHEMA:
            connection.exec_driver_sql(statement)
    yield engine
    engine.dispose()


@contextmanager
def migrating(engine: sa.Engine) -> Iterator[Operations]:
    """Run operations the way the runtime does: enforcement off before BEGIN, checked and
    restored after."""
    with engine.connect() as connection:
        enforced = foreign_keys_enforced(connection)
        connection.commit()
        if enforced:
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            connection.commit()
        try:
            with connection.begin():
                yield Operations(FakeMigration(impl_for(connection.dialect, connection)))
                assert connection.exec_driver_sql("PRAGMA foreign_key_check").all() == []
        finally:
            if enforced:
                connection.exec_driver_sql("PRAGMA foreign_keys=ON")
                connection.commit()


def rows(engine: sa.Engine, sql: str) -> list[tuple[Any, ...]]:
    with engine.connect() as connection:
        return [tuple(row) for row in connection.execute(sa.text(sql))]


def table_sql(engine: sa.Engine, name: str = "item") -> str:
    (sql,) = rows(engine, f"SELECT sql FROM sqlite_master WHERE type='table' AND name='{name}'")[0]
    return str(sql)


def columns(engine: sa.Engine, table: str = "item") -> list[str]:
    return [c["name"] for c in sa.inspect(engine).get_columns(table)]


def indexes(engine: sa.Engine, table: str = "item") -> list[str]:
    names = rows(
        engine,
        f"SELECT name FROM sqlite_master WHERE type='index' AND tbl_name='{table}' "
        "AND sql IS NOT NULL ORDER BY name",
    )
    return [str(n) for (n,) in names]


def index_columns(engine: sa.Engine, index: str) -> list[str]:
    # PRAGMA rather than the inspector, which warns about the expression index.
    return [str(row[2]) for row in rows(engine, f"PRAGMA index_info({index})")]


def checks(engine: sa.Engine, table: str = "item") -> list[tuple[str | None, str]]:
    found = sa.inspect(engine).get_check_constraints(table)
    return [(c["name"], c["sqltext"]) for c in found]


def fks(engine: sa.Engine, table: str = "item") -> list[tuple[str | None, list[str], str]]:
    found = sa.inspect(engine).get_foreign_keys(table)
    return [(f["name"], f["constrained_columns"], f["referred_table"]) for f in found]


def uniques(engine: sa.Engine, table: str = "item") -> list[tuple[str | None, list[str]]]:
    with warnings.catch_warnings():
        # SQLAlchemy warns that it skips the expression index while looking for UNIQUEs.
        warnings.filterwarnings("ignore", "Skipped unsupported reflection", sa.exc.SAWarning)
        found = sa.inspect(engine).get_unique_constraints(table)
    return [(u["name"], u["column_names"]) for u in found]


def assert_sound(engine: sa.Engine) -> None:
    """No temp table left, foreign keys consistent, enforcement still on, parts intact."""
    assert sa.inspect(engine).get_table_names() == ["item", "org", "part"]
    assert rows(engine, "PRAGMA foreign_key_check") == []
    assert rows(engine, "PRAGMA foreign_keys") == [(1,)]
    assert rows(engine, "SELECT id, item_id FROM part ORDER BY id") == [(1, 1), (2, 2), (3, 2)]
    assert fks(engine, "part") == [(None, ["item_id"], "item")]


def assert_violates(engine: sa.Engine, sql: str) -> None:
    with pytest.raises(sa.exc.IntegrityError):
        with engine.begin() as connection:
            connection.exec_driver_sql(sql)


# --- recreate decisions --------------------------------------------------------------------


def test_auto_adds_plain_column_in_place(engine: sa.Engine) -> None:
    with migrating(engine) as ops:
        with ops.batch_alter_table("item") as batch_op:
            batch_op.add_column(sa.Column("note", sa.String(30)))
            batch_op.create_index("ix_item_note", ["note"])
            assert not batch_op.requires_recreate()
    # SQLite's ADD COLUMN edits the original statement; a rebuild would have rewritten it.
    assert table_sql(engine).startswith("CREATE TABLE item ( id INTEGER PRIMARY KEY AUTOINCREMENT,")
    assert "REFERENCES org (id), note VARCHAR(30), CONSTRAINT ck_item_qty" in table_sql(engine)
    assert columns(engine) == ["id", "name", "qty", "org_id", "note"]
    assert indexes(engine) == ["ix_item_lower_name", "ix_item_note", "ix_item_qty"]
    assert_sound(engine)


def test_auto_adds_column_with_unnamed_foreign_key_in_place(engine: sa.Engine) -> None:
    with migrating(engine) as ops:
        with ops.batch_alter_table("item") as batch_op:
            batch_op.add_column(sa.Column("maker_id", sa.Integer, sa.ForeignKey("org.id")))
            assert not batch_op.requires_recreate()
    assert sorted(fks(engine)) == [(None, ["maker_id"], "org"), (None, ["org_id"], "org")]
    assert_violates(engine, "UPDATE item SET maker_id = 99 WHERE id = 1")
    assert_sound(engine)


def test_always_adds_column_with_unnamed_foreign_key_by_rebuilding(engine: sa.Engine) -> None:
    with migrating(engine) as ops:
        with ops.batch_alter_table("item", recreate="always") as batch_op:
            batch_op.add_column(
                sa.Column("maker_id", sa.Integer, sa.ForeignKey("org.id")), insert_after="name"
            )
    assert "_alembic_tmp_item" not in table_sql(engine)
    assert columns(engine) == ["id", "name", "maker_id", "qty", "org_id"]
    assert sorted(fks(engine)) == [(None, ["maker_id"], "org"), (None, ["org_id"], "org")]
    assert rows(engine, "SELECT id, name, qty, org_id FROM item ORDER BY id") == ITEM_ROWS
    assert_violates(engine, "UPDATE item SET maker_id = 99 WHERE id = 1")
    assert_sound(engine)


def test_naming_convention_names_the_new_foreign_key(engine: sa.Engine) -> None:
    convention = {"fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s"}
    with migrating(engine) as ops:
        with ops.batch_alter_table("item", naming_convention=convention) as batch_op:
            batch_op.add_column(sa.Column("maker_id", sa.Integer, sa.ForeignKey("org.id")))
            batch_op.create_check_constraint(None, "maker_id > 0")
            assert batch_op.requires_recreate()
    assert sorted(fks(engine)) == [
        ("fk_item_maker_id_org", ["maker_id"], "org"),
        ("fk_item_org_id_org", ["org_id"], "org"),
    ]
    assert_sound(engine)


def test_never_sends_plain_alters_and_sqlite_refuses_them(engine: sa.Engine) -> None:
    before = table_sql(engine)
    with pytest.raises(UnsupportedOperation) as caught:
        with migrating(engine) as ops:
            with ops.batch_alter_table("item", recreate="never") as batch_op:
                batch_op.alter_column("qty", type_=sa.Integer)
    assert str(caught.value).startswith(
        "SQLite cannot change the type of column 'qty' of table 'item' with ALTER TABLE;"
    )
    assert table_sql(engine) == before


def test_never_renames_column_in_place(engine: sa.Engine) -> None:
    with migrating(engine) as ops:
        with ops.batch_alter_table("item", recreate="never") as batch_op:
            batch_op.alter_column("qty", new_column_name="quantity")
    assert columns(engine) == ["id", "name", "quantity", "org_id"]
    assert "AUTOINCREMENT" in table_sql(engine)
    assert_sound(engine)


# --- each operation through a rebuild --------------------------------------------------------


def test_always_rebuild_preserves_everything(engine: sa.Engine) -> None:
    with migrating(engine) as ops:
        with ops.batch_alter_table("item", recreate="always"):
            pass
    assert rows(engine, "SELECT id, name, qty, org_id FROM item ORDER BY id") == ITEM_ROWS
    assert indexes(engine) == ["ix_item_lower_name", "ix_item_qty"]
    assert set(checks(engine)) == {(None, "length(name) > 0"), ("ck_item_qty", "qty <> ''")}
    assert uniques(engine) == [("uq_item_name", ["name"])]
    assert fks(engine) == [(None, ["org_id"], "org")]
    assert sa.inspect(engine).get_pk_constraint("item")["constrained_columns"] == ["id"]
    sql = table_sql(engine)
    assert "id INTEGER PRIMARY KEY AUTOINCREMENT" in sql
    assert "name VARCHAR(20) DEFAULT 'unnamed' NOT NULL" in sql
    with engine.begin() as connection:
        connection.exec_driver_sql("DELETE FROM item WHERE id = 3")
        connection.exec_driver_sql("INSERT INTO item (name) VALUES ('cog')")
    # AUTOINCREMENT: a deleted id is not reused.
    assert rows(engine, "SELECT id FROM item WHERE name = 'cog'") == [(4,)]
    assert_violates(engine, "INSERT INTO item (name, qty) VALUES ('x', '')")
    assert_violates(engine, "INSERT INTO item (name) VALUES ('')")
    assert_violates(engine, "INSERT INTO item (name) VALUES ('bolt')")
    assert_violates(engine, "INSERT INTO item (name, org_id) VALUES ('y', 99)")
    assert_violates(engine, "INSERT INTO part VALUES (9, 99)")
    assert_sound(engine)


def test_drop_column_drops_its_index_and_constraints(engine: sa.Engine) -> None:
    with migrating(engine) as ops:
        with ops.batch_alter_table("item") as batch_op:
            batch_op.drop_column("qty")
    assert columns(engine) == ["id", "name", "org_id"]
    assert indexes(engine) == ["ix_item_lower_name"]
    assert checks(engine) == [(None, "length(name) > 0")]
    assert rows(engine, "SELECT id, name, org_id FROM item ORDER BY id") == [
        (r[0], r[1], r[3]) for r in ITEM_ROWS
    ]
    assert_sound(engine)


def test_drop_column_used_by_expression_index_drops_it(engine: sa.Engine) -> None:
    with migrating(engine) as ops:
        with ops.batch_alter_table("item") as batch_op:
            batch_op.drop_constraint("uq_item_name", type_="unique")
            batch_op.drop_constraint("ck_item_qty", type_="check")
            batch_op.alter_column("name", server_default=None)
    assert uniques(engine) == []
    assert checks(engine) == [(None, "length(name) > 0")]
    assert "DEFAULT" not in table_sql(engine)
    assert indexes(engine) == ["ix_item_lower_name", "ix_item_qty"]
    with migrating(engine) as ops:
        with ops.batch_alter_table("item") as batch_op:
            batch_op.drop_column("name")
    assert indexes(engine) == ["ix_item_qty"]
    assert checks(engine) == []
    assert_sound(engine)


def test_alter_type_casts_and_rename_follows_constraints(engine: sa.Engine) -> None:
    with migrating(engine) as ops:
        with ops.batch_alter_table("item") as batch_op:
            batch_op.alter_column(
                "qty", type_=sa.Integer, existing_type=sa.String(10), new_column_name="quantity"
            )
    assert columns(engine) == ["id", "name", "quantity", "org_id"]
    assert rows(engine, "SELECT quantity, typeof(quantity) FROM item ORDER BY id") == [
        (10, "integer"),
        (25, "integer"),
        (None, "null"),
    ]
    assert ("ck_item_qty", "\"quantity\" <> ''") in checks(engine)
    assert index_columns(engine, "ix_item_qty") == ["quantity"]
    assert_sound(engine)


def test_alter_nullable_and_default(engine: sa.Engine) -> None:
    with migrating(engine) as ops:
        ops.execute("UPDATE item SET qty = '0' WHERE qty IS NULL")
        with ops.batch_alter_table("item") as batch_op:
            batch_op.alter_column("qty", nullable=False, server_default="1")
    column = {c["name"]: c for c in sa.inspect(engine).get_columns("item")}["qty"]
    assert (column["nullable"], column["default"]) == (False, "'1'")
    assert_violates(engine, "INSERT INTO item (name, qty) VALUES ('z', NULL)")
    assert_sound(engine)


def test_batch_execute_runs_before_the_rebuild(engine: sa.Engine) -> None:
    with migrating(engine) as ops:
        with ops.batch_alter_table("item") as batch_op:
            batch_op.execute("UPDATE item SET qty = '0' WHERE qty IS NULL")
            batch_op.alter_column("qty", nullable=False)
    assert rows(engine, "SELECT qty FROM item ORDER BY id") == [("10",), ("25",), ("0",)]
    assert_sound(engine)


def test_create_and_drop_index_in_place(engine: sa.Engine) -> None:
    with migrating(engine) as ops:
        with ops.batch_alter_table("item") as batch_op:
            batch_op.drop_index("ix_item_qty")
            batch_op.create_index("ix_item_org", ["org_id", "qty"], unique=True)
            assert not batch_op.requires_recreate()
    assert index_columns(engine, "ix_item_org") == ["org_id", "qty"]
    assert_violates(engine, "INSERT INTO item (name, qty, org_id) VALUES ('dup', '10', 1)")
    assert indexes(engine) == ["ix_item_lower_name", "ix_item_org"]
    assert_sound(engine)


def test_create_unique_check_and_foreign_key(engine: sa.Engine) -> None:
    with migrating(engine) as ops:
        with ops.batch_alter_table("item") as batch_op:
            batch_op.add_column(sa.Column("maker_id", sa.Integer))
            batch_op.create_unique_constraint("uq_item_qty_org", ["qty", "org_id"])
            batch_op.create_check_constraint("ck_item_maker", sa.text("maker_id <> 0"))
            batch_op.create_foreign_key(
                "fk_item_maker", "org", ["maker_id"], ["id"], ondelete="SET NULL"
            )
    assert uniques(engine) == [("uq_item_name", ["name"]), ("uq_item_qty_org", ["qty", "org_id"])]
    assert ("ck_item_maker", "maker_id <> 0") in checks(engine)
    assert ("fk_item_maker", ["maker_id"], "org") in fks(engine)
    assert_violates(engine, "UPDATE item SET maker_id = 0 WHERE id = 1")
    assert_violates(engine, "UPDATE item SET maker_id = 42 WHERE id = 1")
    assert_violates(engine, "INSERT INTO item (name, qty, org_id) VALUES ('dup', '10', 1)")
    assert_sound(engine)


def test_drop_unnamed_foreign_key_through_naming_convention(engine: sa.Engine) -> None:
    convention = {"fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s"}
    with migrating(engine) as ops:
        with ops.batch_alter_table("item", naming_convention=convention) as batch_op:
            batch_op.drop_constraint("fk_item_org_id_org", type_="foreignkey")
    assert fks(engine) == []
    assert_sound(engine)


def test_convention_with_constraint_name_keeps_unnamed_check(engine: sa.Engine) -> None:
    convention = {"ck": "ck_%(table_name)s_%(constraint_name)s"}
    with migrating(engine) as ops:
        with ops.batch_alter_table("item", naming_convention=convention) as batch_op:
            batch_op.alter_column("qty", type_=sa.Integer)
    assert set(checks(engine)) == {(None, "length(name) > 0"), ("ck_item_qty", "qty <> ''")}
    assert_sound(engine)


def test_create_primary_key(engine: sa.Engine) -> None:
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE tag (code VARCHAR(5) NOT NULL, label TEXT)")
        connection.exec_driver_sql("INSERT INTO tag VALUES ('a', 'A'), ('b', 'B')")
    with migrating(engine) as ops:
        with ops.batch_alter_table("tag") as batch_op:
            batch_op.create_primary_key("pk_tag", ["code"])
    pk = sa.inspect(engine).get_pk_constraint("tag")
    assert (pk["name"], pk["constrained_columns"]) == ("pk_tag", ["code"])
    assert rows(engine, "SELECT code, label FROM tag ORDER BY code") == [("a", "A"), ("b", "B")]
    assert_violates(engine, "INSERT INTO tag VALUES ('a', 'again')")


def test_boolean_existing_type_drops_its_check(engine: sa.Engine) -> None:
    with engine.begin() as connection:
        connection.exec_driver_sql(
            "CREATE TABLE flag (id INTEGER PRIMARY KEY, on_ BOOLEAN,"
            " CONSTRAINT ck_flag_on CHECK (on_ IN (0, 1)))"
        )
        connection.exec_driver_sql("INSERT INTO flag VALUES (1, 1), (2, 0)")
    with migrating(engine) as ops:
        with ops.batch_alter_table("flag") as batch_op:
            batch_op.alter_column(
                "on_",
                type_=sa.Integer,
                existing_type=sa.Boolean(create_constraint=True, name="ck_flag_on"),
            )
    assert checks(engine, "flag") == []
    assert rows(engine, "SELECT id, on_ FROM flag ORDER BY id") == [(1, 1), (2, 0)]


def test_table_comment_is_kept_out_of_sqlite(engine: sa.Engine) -> None:
    before = table_sql(engine)
    with migrating(engine) as ops:
        with ops.batch_alter_table("item") as batch_op:
            batch_op.create_table_comment("Things", existing_comment=None)
            batch_op.drop_table_comment(existing_comment="Things")
            assert not batch_op.requires_recreate()
    assert table_sql(engine) == before


# --- options -------------------------------------------------------------------------------


def test_copy_from_table_args_and_table_kwargs(engine: sa.Engine) -> None:
    item = sa.Table(
        "item",
        sa.MetaData(),
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(20), nullable=False),
        sa.Column("qty", sa.String(10)),
        sa.Column("org_id", sa.Integer, sa.ForeignKey("org.id")),
        sa.Index("ix_item_qty", "qty"),
    )
    with migrating(engine) as ops:
        with ops.batch_alter_table(
            "item",
            copy_from=item,
            table_args=(sa.UniqueConstraint("name", "org_id"),),
            table_kwargs={"sqlite_autoincrement": True},
        ) as batch_op:
            batch_op.alter_column("qty", type_=sa.Integer)
    assert "id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT" in table_sql(engine)
    assert uniques(engine) == [(None, ["name", "org_id"])]
    assert checks(engine) == []  # copy_from is the whole truth: no reflected checks
    assert indexes(engine) == ["ix_item_qty"]
    assert rows(engine, "SELECT id, name, qty FROM item ORDER BY id") == [
        (1, "bolt", 10),
        (2, "nut", 25),
        (3, "gear", None),
    ]
    assert_sound(engine)


def test_partial_reordering_and_insert_before(engine: sa.Engine) -> None:
    with migrating(engine) as ops:
        with ops.batch_alter_table(
            "item", recreate="always", partial_reordering=[("org_id", "name")]
        ) as batch_op:
            batch_op.add_column(sa.Column("code", sa.String(5)), insert_before="id")
    # org_id must come before name; everything else keeps its place as far as it can.
    assert columns(engine) == ["code", "id", "qty", "org_id", "name"]
    assert rows(engine, "SELECT id, name, qty, org_id FROM item ORDER BY id") == ITEM_ROWS
    assert_sound(engine)


def test_alter_column_insert_after_moves_it(engine: sa.Engine) -> None:
    with migrating(engine) as ops:
        with ops.batch_alter_table("item", recreate="always") as batch_op:
            batch_op.alter_column("org_id", insert_after="id")
    assert columns(engine) == ["id", "org_id", "name", "qty"]
    assert_sound(engine)


def test_partial_reordering_needs_recreate_always(engine: sa.Engine) -> None:
    with migrating(engine) as ops:
        with pytest.raises(CommandError, match="partial_reordering=...\\) needs recreate='always'"):
            with ops.batch_alter_table("item", partial_reordering=[("name", "id")]):
                pass


# --- errors and foreign key enforcement ----------------------------------------------------


def test_unknown_index_constraint_and_column(engine: sa.Engine) -> None:
    cases: list[tuple[Callable[[BatchOperations], None], str]] = [
        (
            lambda b: b.drop_index("ix_nope"),
            "Table 'item' has no index 'ix_nope'; its indexes are ix_item_qty, ix_item_lower_name.",
        ),
        (
            lambda b: b.drop_constraint("ck_nope", type_="check"),
            "Table 'item' has no check constraint named 'ck_nope'; an unnamed constraint can "
            "be given a name with batch_alter_table(..., naming_convention={...}).",
        ),
        (
            lambda b: b.alter_column("nope", nullable=False),
            "Table 'item' has no column 'nope'; its columns are id, name, qty, org_id.",
        ),
    ]
    before = table_sql(engine)
    for action, message in cases:
        with pytest.raises(CommandError) as caught:
            with migrating(engine) as ops:
                with ops.batch_alter_table("item", recreate="always") as batch_op:
                    action(batch_op)
        assert str(caught.value) == message
    assert table_sql(engine) == before


def test_refuses_rebuild_while_foreign_keys_enforced(engine: sa.Engine) -> None:
    with engine.begin() as connection:
        assert needs_foreign_keys_off(connection, "item")
        assert not needs_foreign_keys_off(connection, "part")
        ops = Operations(FakeMigration(impl_for(connection.dialect, connection)))
        with pytest.raises(UnsupportedOperation, match="while PRAGMA foreign_keys is ON"):
            with ops.batch_alter_table("item", recreate="always"):
                pass
    # Nothing was dropped, so no part row was cascaded away.
    assert_sound(engine)


def test_rebuild_of_unreferenced_table_with_enforcement_on(engine: sa.Engine) -> None:
    with engine.begin() as connection:
        ops = Operations(FakeMigration(impl_for(connection.dialect, connection)))
        with ops.batch_alter_table("part") as batch_op:
            batch_op.add_column(sa.Column("weight", sa.Integer, nullable=False, server_default="0"))
            batch_op.create_index("ix_part_item", ["item_id"])
            batch_op.alter_column("weight", server_default="1")
    assert columns(engine, "part") == ["id", "item_id", "weight"]
    assert indexes(engine, "part") == ["ix_part_item"]
    assert_sound(engine)
