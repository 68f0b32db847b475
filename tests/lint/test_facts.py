"""Rules that depend on the database's answers, tested on the real server."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from flask_migrate_lite import commands
from tests.builder import app, make_folder, write_revision
from tests.lint._support import BASE, CHANGE, base_app, failing, lint_change, rules

NOT_NULL_COLUMN = 'op.add_column("item", sa.Column("code", sa.String(10), nullable=False))'


def test_not_null_column_on_an_empty_table_is_quiet(tmp_path: Path, database_url: str) -> None:
    with base_app(database_url, tmp_path, rows=False) as made:
        assert failing(lint_change(made, NOT_NULL_COLUMN)) == []


@pytest.mark.parametrize("database", ["postgresql", "mysql"])
def test_index_on_a_table_created_in_the_same_revision_is_quiet(
    request: pytest.FixtureRequest, tmp_path: Path, database: str
) -> None:
    url = str(request.getfixturevalue(f"{database}_url"))
    body = """
        op.create_table("tag", sa.Column("id", sa.Integer(), primary_key=True),
                        sa.Column("label", sa.String(20)))
        op.create_index("ix_tag_label", "tag", ["label"])
        op.create_unique_constraint("uq_tag_label", "tag", ["label"])
        op.create_foreign_key("fk_item_tag", "tag", "item", ["id"], ["id"])
        """
    with base_app(url, tmp_path) as made:
        assert failing(lint_change(made, body)) == []


def test_index_in_an_earlier_pending_revision_table_is_quiet(
    tmp_path: Path, postgresql_url: str
) -> None:
    with base_app(postgresql_url, tmp_path) as made:
        write_revision(
            made.migrations,
            "11aa00000003",
            CHANGE,
            'op.create_index("ix_tag_label", "tag", ["label"])',
        )
        body = 'op.create_table("tag", sa.Column("label", sa.String(20)))'
        write_revision(made.migrations, CHANGE, BASE, body)
        with made.flask.app_context():
            (result,) = commands.lint()
    assert result.revisions == [CHANGE, "11aa00000003"]
    assert failing(result) == []


def test_set_not_null_after_a_validated_check_on_the_server_is_quiet(
    tmp_path: Path, postgresql_url: str
) -> None:
    with base_app(postgresql_url, tmp_path) as made:
        with made.engine.begin() as connection:
            connection.execute(
                sa.text("ALTER TABLE item ADD CONSTRAINT ck_name_nn CHECK (name IS NOT NULL)")
            )
        body = 'op.alter_column("item", "name", existing_type=sa.String(50), nullable=False)'
        assert failing(lint_change(made, body)) == []


def test_set_not_null_with_an_unvalidated_check_on_the_server_fires(
    tmp_path: Path, postgresql_url: str
) -> None:
    with base_app(postgresql_url, tmp_path) as made:
        with made.engine.begin() as connection:
            connection.execute(
                sa.text(
                    "ALTER TABLE item ADD CONSTRAINT ck_name_nn CHECK (name IS NOT NULL) NOT VALID"
                )
            )
        body = 'op.alter_column("item", "name", existing_type=sa.String(50), nullable=False)'
        assert failing(lint_change(made, body)) == ["set-not-null"]


@pytest.mark.parametrize(
    "change",
    [
        'op.alter_column("item", "name", type_=sa.Text(), existing_type=sa.String(50))',
        'op.alter_column("item", "name", type_=sa.String(), existing_type=sa.String(50))',
        'op.alter_column("item", "name", type_=sa.String(200), existing_type=sa.String(50))',
        'op.alter_column("item", "n", type_=sa.Numeric(12, 2), existing_type=sa.Numeric(10, 2))',
    ],
)
def test_type_changes_that_do_not_rewrite_are_quiet_on_postgresql(
    tmp_path: Path, postgresql_url: str, change: str
) -> None:
    with base_app(postgresql_url, tmp_path) as made:
        assert failing(lint_change(made, change)) == []


def test_varchar_widening_past_the_length_prefix_rewrites_on_mysql(
    tmp_path: Path, mysql_url: str
) -> None:
    body = 'op.alter_column("item", "name", type_=sa.String(200), existing_type=sa.String(50))'
    with base_app(mysql_url, tmp_path) as made:
        assert failing(lint_change(made, body)) == ["alter-column-type"]


def test_a_lock_timeout_set_on_the_server_is_enough(tmp_path: Path, postgresql_url: str) -> None:
    name = sa.make_url(postgresql_url).database
    body = 'op.add_column("item", sa.Column("note", sa.String(10), nullable=True))'
    with base_app(postgresql_url, tmp_path, config={"MIGRATE_DDL_LOCK_TIMEOUT": 0}) as made:
        assert failing(lint_change(made, body)) == ["no-lock-timeout"]
        with made.engine.begin() as connection:
            connection.execute(sa.text(f"ALTER DATABASE \"{name}\" SET lock_timeout = '3s'"))
        try:
            made.engine.dispose()
            with made.flask.app_context():
                (result,) = commands.lint()
            assert failing(result) == []
        finally:
            with made.engine.begin() as connection:
                connection.execute(sa.text(f'ALTER DATABASE "{name}" RESET lock_timeout'))
            made.engine.dispose()


def test_without_a_database_every_table_is_assumed_busy(tmp_path: Path) -> None:
    url = "postgresql+psycopg://nobody@127.0.0.1:1/none"
    no_timeout = {"MIGRATE_DDL_LOCK_TIMEOUT": 0}
    with app(url, make_folder(tmp_path), config=no_timeout) as made:
        write_revision(made.migrations, BASE, None, 'op.create_index("ix", "item", ["a"])')
        with made.flask.app_context():
            (result,) = commands.lint(revision=BASE)
    assert not result.with_database
    assert rules(result) == ["create-index", "no-lock-timeout"]


def test_non_atomic_revisions_are_reported_as_information(
    tmp_path: Path, postgresql_url: str
) -> None:
    body = """
        with op.get_context().autocommit_block():
            op.create_index("ix_item_name", "item", ["name"], postgresql_concurrently=True)
        """
    with base_app(postgresql_url, tmp_path) as made:
        result = lint_change(made, body)
    assert failing(result) == []
    (info,) = result.findings
    assert (info.rule, info.severity) == ("non-atomic", "info")
