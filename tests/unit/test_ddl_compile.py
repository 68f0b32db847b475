"""Every operation compiled offline for SQLite, PostgreSQL and MySQL/MariaDB: exact SQL."""

from __future__ import annotations

import io
from collections.abc import Callable

import pytest
import sqlalchemy as sa
from sqlalchemy.dialects import mysql, postgresql, sqlite
from sqlalchemy.engine import Dialect

from flask_migrate_lite.engine.ddl import (
    MySQLImpl,
    PostgresqlImpl,
    SQLiteImpl,
    impl_for,
)
from flask_migrate_lite.engine.errors import CommandError, UnsupportedOperation
from flask_migrate_lite.engine.operations.api import Operations
from tests.fakes import FakeMigration

DIALECTS: dict[str, Callable[[], Dialect]] = {
    "sqlite": sqlite.dialect,
    "postgresql": postgresql.dialect,
    "mysql": mysql.dialect,
    "mariadb": lambda: mysql.dialect(is_mariadb=True),
}


def offline(dialect: str) -> tuple[Operations, io.StringIO]:
    out = io.StringIO()
    impl = impl_for(DIALECTS[dialect](), None, as_sql=True, output=out)
    return Operations(FakeMigration(impl)), out


def emitted(dialect: str, call: Callable[[Operations], object]) -> str:
    ops, out = offline(dialect)
    call(ops)
    return out.getvalue()


def sql(*statements: str) -> str:
    return "".join(statement + ";\n\n" for statement in statements)


def test_impl_for_picks_the_dialect_class() -> None:
    assert type(impl_for(sqlite.dialect(), None, as_sql=True)) is SQLiteImpl
    assert type(impl_for(postgresql.dialect(), None, as_sql=True)) is PostgresqlImpl
    assert type(impl_for(mysql.dialect(), None, as_sql=True)) is MySQLImpl
    assert SQLiteImpl.transactional_ddl and PostgresqlImpl.transactional_ddl
    assert not MySQLImpl.transactional_ddl


def test_online_impl_needs_a_connection() -> None:
    with pytest.raises(CommandError, match="needs a connection"):
        impl_for(sqlite.dialect(), None)


# --- tables --------------------------------------------------------------------------------


def _create_account(ops: Operations) -> object:
    return ops.create_table(
        "account",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(50), nullable=False, comment="who"),
        sa.Column("org_id", sa.Integer, sa.ForeignKey("org.id"), index=True),
        sa.UniqueConstraint("name", name="uq_account_name"),
        comment="people",
    )


_ACCOUNT_BODY = (
    "    name VARCHAR(50) NOT NULL{comment},\n"
    "    org_id INTEGER,\n"
    "    PRIMARY KEY (id),\n"
    "    CONSTRAINT uq_account_name UNIQUE (name),\n"
    "    FOREIGN KEY(org_id) REFERENCES org (id)\n"
)


@pytest.mark.parametrize(
    ("dialect", "expected"),
    [
        (
            "sqlite",
            sql(
                "CREATE TABLE account (\n    id INTEGER NOT NULL,\n"
                + _ACCOUNT_BODY.format(comment="")
                + ")",
                "CREATE INDEX ix_account_org_id ON account (org_id)",
            ),
        ),
        (
            "postgresql",
            sql(
                "CREATE TABLE account (\n    id SERIAL NOT NULL,\n"
                + _ACCOUNT_BODY.format(comment="")
                + ")",
                "COMMENT ON TABLE account IS 'people'",
                "COMMENT ON COLUMN account.name IS 'who'",
                "CREATE INDEX ix_account_org_id ON account (org_id)",
            ),
        ),
        (
            "mysql",
            sql(
                "CREATE TABLE account (\n    id INTEGER NOT NULL AUTO_INCREMENT,\n"
                + _ACCOUNT_BODY.format(comment=" COMMENT 'who'")
                + ")COMMENT='people'",
                "CREATE INDEX ix_account_org_id ON account (org_id)",
            ),
        ),
    ],
)
def test_create_table(dialect: str, expected: str) -> None:
    assert emitted(dialect, _create_account) == expected


def test_create_table_returns_the_table_and_takes_schema_and_if_not_exists() -> None:
    ops, out = offline("postgresql")
    table = ops.create_table(
        "log", sa.Column("id", sa.Integer, primary_key=True), schema="audit", if_not_exists=True
    )
    assert isinstance(table, sa.Table)
    assert (table.schema, list(table.c.keys())) == ("audit", ["id"])
    assert out.getvalue() == sql(
        "CREATE TABLE IF NOT EXISTS audit.log (\n    id SERIAL NOT NULL,\n    PRIMARY KEY (id)\n)"
    )


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql", "mysql"])
def test_drop_table(dialect: str) -> None:
    out = emitted(dialect, lambda ops: ops.drop_table("account"))
    assert out == sql("DROP TABLE account")
    out = emitted(dialect, lambda ops: ops.drop_table("log", schema="audit", if_exists=True))
    assert out == sql("DROP TABLE IF EXISTS audit.log")


@pytest.mark.parametrize(
    ("dialect", "expected"),
    [
        ("sqlite", ["ALTER TABLE account RENAME TO person", "ALTER TABLE s.a RENAME TO b"]),
        ("postgresql", ["ALTER TABLE account RENAME TO person", "ALTER TABLE s.a RENAME TO b"]),
        ("mysql", ["ALTER TABLE account RENAME person", "ALTER TABLE s.a RENAME s.b"]),
    ],
)
def test_rename_table(dialect: str, expected: list[str]) -> None:
    def call(ops: Operations) -> None:
        ops.rename_table("account", "person")
        ops.rename_table("a", "b", schema="s")

    assert emitted(dialect, call) == sql(*expected)


@pytest.mark.parametrize(
    ("dialect", "expected"),
    [
        ("sqlite", ""),
        (
            "postgresql",
            sql("COMMENT ON TABLE account IS 'it''s'", "COMMENT ON TABLE account IS NULL"),
        ),
        ("mysql", sql("ALTER TABLE account COMMENT 'it''s'", "ALTER TABLE account COMMENT ''")),
    ],
)
def test_table_comments(dialect: str, expected: str) -> None:
    def call(ops: Operations) -> None:
        ops.create_table_comment("account", "it's")
        ops.drop_table_comment("account", existing_comment="it's")

    assert emitted(dialect, call) == expected


# --- columns -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("dialect", "expected"),
    [
        (
            "sqlite",
            sql(
                "ALTER TABLE account ADD COLUMN email VARCHAR(120) DEFAULT 'x' "
                "REFERENCES org (id) ON DELETE CASCADE",
                "CREATE INDEX ix_account_email ON account (email)",
            ),
        ),
        (
            "postgresql",
            sql(
                "ALTER TABLE account ADD COLUMN email VARCHAR(120) DEFAULT 'x'",
                "ALTER TABLE account ADD FOREIGN KEY(email) REFERENCES org (id) ON DELETE CASCADE",
                "CREATE INDEX ix_account_email ON account (email)",
                "COMMENT ON COLUMN account.email IS 'mail'",
            ),
        ),
        (
            "mysql",
            sql(
                "ALTER TABLE account ADD COLUMN email VARCHAR(120) COMMENT 'mail' DEFAULT 'x'",
                "ALTER TABLE account ADD FOREIGN KEY(email) REFERENCES org (id) ON DELETE CASCADE",
                "CREATE INDEX ix_account_email ON account (email)",
            ),
        ),
    ],
)
def test_add_column_with_foreign_key_index_and_comment(dialect: str, expected: str) -> None:
    column = sa.Column(
        "email",
        sa.String(120),
        sa.ForeignKey("org.id", ondelete="CASCADE"),
        server_default="x",
        index=True,
        comment="mail",
    )
    assert emitted(dialect, lambda ops: ops.add_column("account", column)) == expected


@pytest.mark.parametrize("dialect", ["postgresql", "mysql"])
def test_add_unique_column_in_a_schema(dialect: str) -> None:
    column = sa.Column("code", sa.Integer, unique=True, nullable=False)
    out = emitted(dialect, lambda ops: ops.add_column("item", column, schema="shop"))
    assert out == sql(
        "ALTER TABLE shop.item ADD COLUMN code INTEGER NOT NULL",
        "ALTER TABLE shop.item ADD UNIQUE (code)",
    )


@pytest.mark.parametrize(
    ("column", "problem"),
    [
        (sa.Column("id", sa.Integer, primary_key=True), "as a PRIMARY KEY"),
        (sa.Column("code", sa.Integer, unique=True), "with a UNIQUE constraint"),
        (
            sa.Column("at", sa.DateTime, server_default=sa.func.current_timestamp()),
            "with the non-constant default CURRENT_TIMESTAMP",
        ),
        (
            sa.Column("at", sa.DateTime, server_default=sa.text("(datetime('now'))")),
            "with the non-constant default (datetime('now'))",
        ),
    ],
)
def test_sqlite_add_column_refuses_what_alter_cannot_do(
    column: sa.Column[int], problem: str
) -> None:
    ops, out = offline("sqlite")
    with pytest.raises(UnsupportedOperation) as caught:
        ops.add_column("account", column)
    assert str(caught.value) == (
        f"SQLite cannot add column '{column.name}' to table 'account' with ALTER TABLE "
        f"{problem}; use 'with op.batch_alter_table(\"account\") as batch_op:' and "
        "batch_op.add_column(...) instead, which rebuilds the table keeping its rows."
    )
    assert out.getvalue() == ""


def test_sqlite_add_not_null_column_needs_a_default() -> None:
    ops, _ = offline("sqlite")
    with pytest.raises(UnsupportedOperation, match="as NOT NULL without a server_default; give"):
        ops.add_column("account", sa.Column("n", sa.Integer, nullable=False))
    ops.add_column("account", sa.Column("n", sa.Integer, nullable=False, server_default="0"))
    ops.add_column("account", sa.Column("f", sa.Float, server_default=sa.text("0.5")))


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql", "mysql"])
def test_drop_column(dialect: str) -> None:
    def call(ops: Operations) -> None:
        ops.drop_column("account", "email")
        ops.drop_column("item", "code", schema="shop")

    assert emitted(dialect, call) == sql(
        "ALTER TABLE account DROP COLUMN email", "ALTER TABLE shop.item DROP COLUMN code"
    )


# --- alter_column --------------------------------------------------------------------------


def test_postgresql_alter_column_emits_one_statement_per_change_in_order() -> None:
    def call(ops: Operations) -> None:
        ops.alter_column(
            "account",
            "age",
            type_=sa.Integer,
            nullable=False,
            server_default=sa.text("0"),
            comment="years",
            new_column_name="years",
            schema="app",
            postgresql_using="age::integer",
        )

    assert emitted("postgresql", call) == sql(
        "ALTER TABLE app.account ALTER COLUMN age TYPE INTEGER USING age::integer",
        "ALTER TABLE app.account ALTER COLUMN age SET NOT NULL",
        "ALTER TABLE app.account ALTER COLUMN age SET DEFAULT 0",
        "COMMENT ON COLUMN app.account.age IS 'years'",
        "ALTER TABLE app.account RENAME COLUMN age TO years",
    )


def test_postgresql_alter_column_drops_default_nullability_and_comment() -> None:
    def call(ops: Operations) -> None:
        ops.alter_column("account", "name", nullable=True, server_default=None, comment=None)
        ops.alter_column("account", "created", server_default=sa.func.now())
        ops.alter_column("account", "kind", server_default="user")

    assert emitted("postgresql", call) == sql(
        "ALTER TABLE account ALTER COLUMN name DROP NOT NULL",
        "ALTER TABLE account ALTER COLUMN name DROP DEFAULT",
        "COMMENT ON COLUMN account.name IS NULL",
        "ALTER TABLE account ALTER COLUMN created SET DEFAULT now()",
        "ALTER TABLE account ALTER COLUMN kind SET DEFAULT 'user'",
    )


def test_alter_column_without_changes_emits_nothing() -> None:
    for dialect in ("sqlite", "postgresql", "mysql"):
        assert emitted(dialect, lambda ops: ops.alter_column("t", "c")) == ""


def test_mysql_alter_column_modify_and_change() -> None:
    def call(ops: Operations) -> None:
        ops.alter_column(
            "account", "name", type_=sa.String(100), existing_nullable=False, existing_comment="x"
        )
        ops.alter_column(
            "account",
            "name",
            nullable=True,
            existing_type=sa.String(50),
            existing_server_default=sa.text("'a'"),
        )
        ops.alter_column(
            "account",
            "name",
            new_column_name="full_name",
            type_=sa.String(80),
            existing_nullable=True,
            comment="shown",
        )
        ops.alter_column(
            "account",
            "id",
            existing_type=sa.Integer(),
            nullable=False,
            autoincrement=True,
        )

    assert emitted("mysql", call) == sql(
        "ALTER TABLE account MODIFY name VARCHAR(100) NOT NULL COMMENT 'x'",
        "ALTER TABLE account MODIFY name VARCHAR(50) NULL DEFAULT 'a'",
        "ALTER TABLE account CHANGE COLUMN name full_name VARCHAR(80) NULL COMMENT 'shown'",
        "ALTER TABLE account MODIFY id INTEGER NOT NULL AUTO_INCREMENT",
    )


def test_mysql_alter_column_default_alone_and_rename_alone() -> None:
    def call(ops: Operations) -> None:
        ops.alter_column("account", "kind", server_default="user")
        ops.alter_column("account", "kind", server_default=None)
        ops.alter_column("account", "score", server_default=sa.text("rand() * 10"))
        ops.alter_column("account", "kind", new_column_name="category")

    assert emitted("mysql", call) == sql(
        "ALTER TABLE account ALTER COLUMN kind SET DEFAULT 'user'",
        "ALTER TABLE account ALTER COLUMN kind DROP DEFAULT",
        "ALTER TABLE account ALTER COLUMN score SET DEFAULT (rand() * 10)",
        "ALTER TABLE account RENAME COLUMN kind TO category",
    )


def test_mysql_alter_column_names_the_missing_existing_type() -> None:
    ops, out = offline("mysql")
    with pytest.raises(UnsupportedOperation) as caught:
        ops.alter_column("account", "name", nullable=False)
    assert str(caught.value) == (
        "MySQL cannot change column 'name' of table 'account' without its full definition, "
        "because MODIFY/CHANGE COLUMN restates the whole column; pass existing_type= "
        "(the column's current type) to alter_column."
    )
    with pytest.raises(UnsupportedOperation, match=r"pass existing_type= and existing_nullable="):
        ops.alter_column("account", "name", comment="c")
    with pytest.raises(UnsupportedOperation, match=r"pass existing_nullable= \(the column's"):
        ops.alter_column("account", "name", type_=sa.Text())
    assert out.getvalue() == ""


@pytest.mark.parametrize(
    ("kwargs", "changes"),
    [
        ({"type_": sa.Integer}, "type"),
        ({"nullable": False}, "nullability"),
        ({"server_default": "x"}, "server default"),
        ({"nullable": True, "server_default": None}, "nullability and server default"),
    ],
)
def test_sqlite_alter_column_points_to_batch(kwargs: dict[str, object], changes: str) -> None:
    ops, out = offline("sqlite")
    with pytest.raises(UnsupportedOperation) as caught:
        ops.alter_column("account", "name", **kwargs)  # type: ignore[arg-type]
    assert str(caught.value) == (
        f"SQLite cannot change the {changes} of column 'name' of table 'account' with ALTER "
        "TABLE; use 'with op.batch_alter_table(\"account\") as batch_op:' and "
        "batch_op.alter_column(...) instead, which rebuilds the table keeping its rows."
    )
    assert out.getvalue() == ""


def test_sqlite_alter_column_renames_and_ignores_comments() -> None:
    def call(ops: Operations) -> None:
        ops.alter_column("account", "name", new_column_name="nick", comment="c")

    assert emitted("sqlite", call) == sql("ALTER TABLE account RENAME COLUMN name TO nick")


# --- indexes -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("dialect", "expected"),
    [
        (
            "sqlite",
            [
                "CREATE UNIQUE INDEX ix_name ON account (name, lower(name))",
                # SQLite puts the schema on the index name, not on the table
                "CREATE INDEX IF NOT EXISTS shop.ix_org ON account (org_id)",
                "DROP INDEX ix_name",
                "DROP INDEX IF EXISTS shop.ix_org",
            ],
        ),
        (
            "postgresql",
            [
                "CREATE UNIQUE INDEX ix_name ON account (name, lower(name))",
                "CREATE INDEX IF NOT EXISTS ix_org ON shop.account (org_id)",
                "DROP INDEX ix_name",
                "DROP INDEX IF EXISTS shop.ix_org",
            ],
        ),
        (
            "mysql",
            [
                "CREATE UNIQUE INDEX ix_name ON account (name, lower(name))",
                "CREATE INDEX IF NOT EXISTS ix_org ON shop.account (org_id)",
                "DROP INDEX ix_name ON account",
                "DROP INDEX IF EXISTS ix_org ON shop.account",
            ],
        ),
    ],
)
def test_indexes(dialect: str, expected: list[str]) -> None:
    def call(ops: Operations) -> None:
        ops.create_index("ix_name", "account", ["name", sa.text("lower(name)")], unique=True)
        ops.create_index("ix_org", "account", ["org_id"], schema="shop", if_not_exists=True)
        ops.drop_index("ix_name", "account")
        ops.drop_index("ix_org", "account", schema="shop", if_exists=True)

    assert emitted(dialect, call) == sql(*expected)


def test_postgresql_index_options() -> None:
    def call(ops: Operations) -> None:
        ops.create_index(
            "ix_live",
            "account",
            ["email"],
            postgresql_concurrently=True,
            postgresql_where=sa.text("deleted IS NULL"),
        )
        ops.drop_index("ix_live", postgresql_concurrently=True)

    assert emitted("postgresql", call) == sql(
        "CREATE INDEX CONCURRENTLY ix_live ON account (email) WHERE deleted IS NULL",
        "DROP INDEX CONCURRENTLY ix_live",
    )


def test_create_index_accepts_a_single_column_name() -> None:
    out = emitted("sqlite", lambda ops: ops.create_index("ix_a", "t", "a"))
    assert out == sql("CREATE INDEX ix_a ON t (a)")


def test_mysql_drop_index_needs_the_table() -> None:
    ops, _ = offline("mysql")
    with pytest.raises(UnsupportedOperation, match="pass table_name= to drop_index"):
        ops.drop_index("ix_name")


# --- constraints ---------------------------------------------------------------------------


@pytest.mark.parametrize("dialect", ["postgresql", "mysql"])
def test_create_constraints(dialect: str) -> None:
    def call(ops: Operations) -> None:
        ops.create_unique_constraint("uq_email", "account", ["email", "org_id"])
        ops.create_foreign_key(
            "fk_post_author",
            "post",
            "account",
            ["author_id"],
            ["id"],
            ondelete="CASCADE",
            onupdate="SET NULL",
            source_schema="blog",
            referent_schema="people",
        )
        ops.create_foreign_key("fk_parent", "node", "node", ["parent_id"], ["id"])
        ops.create_check_constraint("ck_age", "account", "age >= 0")
        ops.create_check_constraint("ck_name", "account", sa.column("name") != "")
        ops.create_primary_key("pk_membership", "membership", ["user_id", "group_id"])

    assert emitted(dialect, call) == sql(
        "ALTER TABLE account ADD CONSTRAINT uq_email UNIQUE (email, org_id)",
        "ALTER TABLE blog.post ADD CONSTRAINT fk_post_author FOREIGN KEY(author_id) "
        "REFERENCES people.account (id) ON DELETE CASCADE ON UPDATE SET NULL",
        "ALTER TABLE node ADD CONSTRAINT fk_parent FOREIGN KEY(parent_id) REFERENCES node (id)",
        "ALTER TABLE account ADD CONSTRAINT ck_age CHECK (age >= 0)",
        "ALTER TABLE account ADD CONSTRAINT ck_name CHECK (name != '')",
        "ALTER TABLE membership ADD CONSTRAINT pk_membership PRIMARY KEY (user_id, group_id)",
    )


def test_postgresql_deferrable_foreign_key() -> None:
    def call(ops: Operations) -> None:
        ops.create_foreign_key(
            "fk", "a", "b", ["b_id"], ["id"], deferrable=True, initially="DEFERRED", match="FULL"
        )

    assert emitted("postgresql", call) == sql(
        "ALTER TABLE a ADD CONSTRAINT fk FOREIGN KEY(b_id) REFERENCES b (id) "
        "MATCH FULL DEFERRABLE INITIALLY DEFERRED"
    )


@pytest.mark.parametrize(
    ("dialect", "expected"),
    [
        (
            "postgresql",
            [
                "ALTER TABLE post DROP CONSTRAINT fk",
                "ALTER TABLE post DROP CONSTRAINT uq",
                "ALTER TABLE post DROP CONSTRAINT ck",
                "ALTER TABLE post DROP CONSTRAINT pk",
                "ALTER TABLE blog.post DROP CONSTRAINT anything",
            ],
        ),
        (
            "mysql",
            [
                "ALTER TABLE post DROP FOREIGN KEY fk",
                "ALTER TABLE post DROP INDEX uq",
                "ALTER TABLE post DROP CHECK ck",
                "ALTER TABLE post DROP PRIMARY KEY",
            ],
        ),
        (
            "mariadb",
            [
                "ALTER TABLE post DROP FOREIGN KEY fk",
                "ALTER TABLE post DROP INDEX uq",
                "ALTER TABLE post DROP CONSTRAINT ck",
                "ALTER TABLE post DROP PRIMARY KEY",
            ],
        ),
    ],
)
def test_drop_constraint(dialect: str, expected: list[str]) -> None:
    def call(ops: Operations) -> None:
        ops.drop_constraint("fk", "post", type_="foreignkey")
        ops.drop_constraint("uq", "post", type_="unique")
        ops.drop_constraint("ck", "post", type_="check")
        ops.drop_constraint("pk", "post", type_="primary")
        if dialect == "postgresql":
            ops.drop_constraint("anything", "post", schema="blog")

    assert emitted(dialect, call) == sql(*expected)


def test_mysql_drop_constraint_needs_its_kind() -> None:
    ops, _ = offline("mysql")
    with pytest.raises(UnsupportedOperation) as caught:
        ops.drop_constraint("x", "post")
    assert str(caught.value) == (
        "MySQL cannot drop the constraint 'x' of table 'post' without knowing its kind, "
        "because each kind has its own DROP statement; pass type_='foreignkey', 'unique', "
        "'check' or 'primary' to drop_constraint."
    )
    ops, _ = offline("mariadb")
    with pytest.raises(UnsupportedOperation, match="^MariaDB cannot drop the constraint 'x'"):
        ops.drop_constraint("x", "post")


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda ops: ops.create_unique_constraint("uq", "t", ["a"]),
            "SQLite cannot add the unique constraint 'uq' to table 't' with ALTER TABLE; use "
            "'with op.batch_alter_table(\"t\") as batch_op:' and "
            "batch_op.create_unique_constraint(...) instead",
        ),
        (
            lambda ops: ops.create_foreign_key("fk", "t", "o", ["o_id"], ["id"]),
            "SQLite cannot add the foreign key constraint 'fk' to table 't' with ALTER TABLE; "
            "use 'with op.batch_alter_table(\"t\") as batch_op:' and "
            "batch_op.create_foreign_key(...) instead",
        ),
        (
            lambda ops: ops.create_check_constraint("ck", "t", "a > 0"),
            "SQLite cannot add the check constraint 'ck' to table 't'",
        ),
        (
            lambda ops: ops.create_primary_key("pk", "t", ["a"]),
            "SQLite cannot add the primary key constraint 'pk' to table 't'",
        ),
        (
            lambda ops: ops.drop_constraint("uq", "t", type_="unique"),
            "SQLite cannot drop the constraint 'uq' of table 't' with ALTER TABLE; use "
            "'with op.batch_alter_table(\"t\") as batch_op:' and batch_op.drop_constraint(...)",
        ),
    ],
)
def test_sqlite_constraints_point_to_batch(
    call: Callable[[Operations], None], message: str
) -> None:
    ops, out = offline("sqlite")
    with pytest.raises(UnsupportedOperation) as caught:
        call(ops)
    assert str(caught.value).startswith(message)
    assert out.getvalue() == ""


# --- data and the offline script -----------------------------------------------------------


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql", "mysql"])
def test_execute_and_inline_literal(dialect: str) -> None:
    account = sa.table("account", sa.column("id", sa.Integer), sa.column("name", sa.String))

    def call(ops: Operations) -> None:
        ops.execute("UPDATE account SET name = 'x'")
        ops.execute(
            account.update()
            .where(account.c.id == ops.inline_literal(5))
            .values(name=ops.inline_literal("o'k"))
        )
        ops.execute(sa.text("DELETE FROM account WHERE id > 10"))

    assert emitted(dialect, call) == sql(
        "UPDATE account SET name = 'x'",
        "UPDATE account SET name='o''k' WHERE account.id = 5",
        "DELETE FROM account WHERE id > 10",
    )


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql", "mysql"])
def test_bulk_insert_offline_writes_one_insert_per_row(dialect: str) -> None:
    role = sa.table("grp", sa.column("id", sa.Integer), sa.column("name", sa.String))

    def call(ops: Operations) -> None:
        ops.bulk_insert(role, [{"id": 1, "name": "admin"}, {"id": 2, "name": "it's"}])
        ops.bulk_insert(role, [])

    assert emitted(dialect, call) == sql(
        "INSERT INTO grp (id, name) VALUES (1, 'admin')",
        "INSERT INTO grp (id, name) VALUES (2, 'it''s')",
    )


def test_offline_transaction_lines_only_with_transactional_ddl() -> None:
    for dialect, expected in (
        ("postgresql", "BEGIN;\n\nCOMMIT;\n\n"),
        ("sqlite", "BEGIN;\n\nCOMMIT;\n\n"),
        ("mysql", ""),
    ):
        ops, out = offline(dialect)
        ops.migration.impl.begin_transaction_sql()
        ops.migration.impl.commit_sql()
        assert out.getvalue() == expected


def test_terminator_and_params_offline() -> None:
    out = io.StringIO()
    impl = impl_for(postgresql.dialect(), None, as_sql=True, output=out, terminator="")
    impl.execute(sa.text("UPDATE t SET a = :a WHERE id = :id"), {"a": "x", "id": 3})
    impl.static_output("-- done")
    assert out.getvalue() == "UPDATE t SET a = 'x' WHERE id = 3\n\n-- done\n\n"
    with pytest.raises(CommandError, match="cannot render several parameter sets"):
        impl.execute("UPDATE t SET a = :a", [{"a": 1}, {"a": 2}])
