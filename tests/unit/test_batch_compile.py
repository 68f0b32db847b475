"""Batch mode without a database: offline SQL, the recreate decision and the table model."""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect

from flask_migrate_lite.engine.ddl import impl_for
from flask_migrate_lite.engine.ddl.sqlite_batch import sqlite_affinity
from flask_migrate_lite.engine.errors import CommandError
from flask_migrate_lite.engine.operations.api import Operations
from flask_migrate_lite.engine.operations.batch_model import TableModel
from flask_migrate_lite.engine.operations.batch_parts import sql_mentions, sql_rename
from tests.fakes import FakeMigration


def offline(dialect: Dialect) -> tuple[Operations, io.StringIO]:
    output = io.StringIO()
    impl = impl_for(dialect, None, as_sql=True, output=output)
    return Operations(FakeMigration(impl)), output


def account() -> sa.Table:
    metadata = sa.MetaData()
    sa.Table("org", metadata, sa.Column("id", sa.Integer, primary_key=True))
    return sa.Table(
        "account",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(50), nullable=False, server_default="anon"),
        sa.Column("age", sa.String(10)),
        sa.Column("org_id", sa.Integer, sa.ForeignKey("org.id")),
        sa.Index("ix_account_age", "age"),
        sa.UniqueConstraint("name", name="uq_account_name"),
        sa.CheckConstraint("age <> ''", name="ck_account_age"),
    )


def test_offline_sqlite_rebuild_exact_sql() -> None:
    ops, output = offline(sqlite.dialect())
    with ops.batch_alter_table("account", copy_from=account()) as batch_op:
        batch_op.alter_column("age", type_=sa.Integer, existing_type=sa.String(10))
        batch_op.drop_column("org_id")
        batch_op.add_column(sa.Column("email", sa.String(120)), insert_after="name")
        batch_op.create_index("ix_account_email", ["email"], unique=True)
    assert output.getvalue() == (
        "CREATE TABLE _alembic_tmp_account (\n"
        "    id INTEGER NOT NULL,\n"
        "    name VARCHAR(50) DEFAULT 'anon' NOT NULL,\n"
        "    email VARCHAR(120),\n"
        "    age INTEGER,\n"
        "    PRIMARY KEY (id),\n"
        "    CONSTRAINT uq_account_name UNIQUE (name),\n"
        "    CONSTRAINT ck_account_age CHECK (age <> '')\n"
        ");\n\n"
        "INSERT INTO _alembic_tmp_account (id, name, age) SELECT account.id, account.name, "
        "CAST(account.age AS INTEGER) AS age FROM account;\n\n"
        "DROP TABLE account;\n\n"
        "ALTER TABLE _alembic_tmp_account RENAME TO account;\n\n"
        "CREATE INDEX ix_account_age ON account (age);\n\n"
        "CREATE UNIQUE INDEX ix_account_email ON account (email);\n\n"
    )


def test_offline_rename_keeps_self_reference_and_date_text() -> None:
    node = sa.Table(
        "node",
        sa.MetaData(),
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("parent_id", sa.Integer, sa.ForeignKey("node.id", name="fk_node_parent")),
        sa.Column("born", sa.String(20)),
    )
    ops, output = offline(sqlite.dialect())
    with ops.batch_alter_table("node", copy_from=node) as batch_op:
        batch_op.alter_column("parent_id", new_column_name="up_id")
        batch_op.alter_column("born", type_=sa.Date)
    assert output.getvalue() == (
        "CREATE TABLE _alembic_tmp_node (\n"
        "    id INTEGER NOT NULL,\n"
        "    up_id INTEGER,\n"
        "    born DATE,\n"
        "    PRIMARY KEY (id),\n"
        "    CONSTRAINT fk_node_parent FOREIGN KEY(up_id) REFERENCES node (id)\n"
        ");\n\n"
        # No CAST to DATE: SQLite would turn '2020-01-02' into 2020.
        "INSERT INTO _alembic_tmp_node (id, up_id, born) SELECT node.id, node.parent_id, "
        "node.born FROM node;\n\n"
        "DROP TABLE node;\n\n"
        "ALTER TABLE _alembic_tmp_node RENAME TO node;\n\n"
    )


def test_offline_auto_on_sqlite_adds_column_in_place() -> None:
    ops, output = offline(sqlite.dialect())
    with ops.batch_alter_table("account") as batch_op:
        batch_op.add_column(sa.Column("email", sa.String(120)))
        batch_op.create_index("ix_account_email", ["email"])
    assert output.getvalue() == (
        "ALTER TABLE account ADD COLUMN email VARCHAR(120);\n\n"
        "CREATE INDEX ix_account_email ON account (email);\n\n"
    )


def test_offline_postgresql_auto_sends_alters() -> None:
    ops, output = offline(postgresql.dialect())
    with ops.batch_alter_table("account") as batch_op:
        batch_op.alter_column("age", type_=sa.Integer, nullable=False)
        batch_op.drop_constraint("uq_account_name", type_="unique")
        assert not batch_op.requires_recreate()
    assert output.getvalue() == (
        "ALTER TABLE account ALTER COLUMN age TYPE INTEGER;\n\n"
        "ALTER TABLE account ALTER COLUMN age SET NOT NULL;\n\n"
        "ALTER TABLE account DROP CONSTRAINT uq_account_name;\n\n"
    )


def test_offline_rebuild_needs_copy_from() -> None:
    ops, _ = offline(sqlite.dialect())
    with pytest.raises(CommandError) as caught:
        with ops.batch_alter_table("account") as batch_op:
            batch_op.drop_column("age")
    assert str(caught.value) == (
        "batch_alter_table('account') must rebuild the table, and offline (--sql) there is "
        "no database to read it from; pass its definition as copy_from=sa.Table(...)."
    )


def test_bad_recreate_value() -> None:
    ops, _ = offline(sqlite.dialect())
    with pytest.raises(CommandError, match="must be 'auto', 'always' or 'never'"):
        with ops.batch_alter_table("account", recreate="sometimes"):  # type: ignore[arg-type]
            pass


def test_drop_constraint_needs_a_name() -> None:
    ops, _ = offline(sqlite.dialect())
    with pytest.raises(CommandError, match="needs the constraint's name"):
        with ops.batch_alter_table("account", copy_from=account()) as batch_op:
            batch_op.drop_constraint("", type_="foreignkey")


# --- the model -----------------------------------------------------------------------------


def test_column_order_with_partial_reordering() -> None:
    model = TableModel.from_table(account())
    assert model.column_order() == ["id", "name", "age", "org_id"]
    assert model.column_order([("org_id", "id")]) == ["name", "age", "org_id", "id"]
    assert model.column_order([("age", "name", "id")]) == ["age", "name", "id", "org_id"]
    with pytest.raises(CommandError, match="contradict each other"):
        model.column_order([("id", "name"), ("name", "id")])
    with pytest.raises(CommandError, match="has no column 'nope'"):
        model.column_order([("nope", "id")])


def test_naming_convention_names_unnamed_only() -> None:
    table = sa.Table(
        "t",
        sa.MetaData(),
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("a", sa.Integer, sa.ForeignKey("other.id")),
        sa.Column("b", sa.Integer, unique=True),
        sa.CheckConstraint("a > 0"),
        sa.CheckConstraint("b > 0", name="ck_kept"),
    )
    convention = {
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
    }
    model = TableModel.from_table(table, convention)
    assert [fk.name for fk in model.foreign_keys] == ["fk_t_a_other"]
    assert [uq.name for uq in model.uniques] == ["uq_t_b"]
    assert sorted(str(ck.name) for ck in model.checks) == ["None", "ck_kept"]


def test_sql_identifier_helpers() -> None:
    assert sql_mentions("qty <> 'qty' AND \"name\" > 0", "qty")
    assert not sql_mentions("quantity > 0 AND note = 'qty'", "qty")
    assert sql_mentions('"name" > 0', "name")
    assert not sql_mentions("t.qty2 > 0", "qty")
    assert sql_rename("qty <> 'qty' AND QTY > 1", "qty", "n") == '"n" <> \'qty\' AND "n" > 1'


def test_sqlite_affinity_rules() -> None:
    assert [
        sqlite_affinity(t)
        for t in ["INTEGER", "BIGINT", "VARCHAR(20)", "TEXT", "BLOB", "", "REAL", "DATETIME"]
    ] == ["INTEGER", "INTEGER", "TEXT", "TEXT", "BLOB", "BLOB", "REAL", "NUMERIC"]
