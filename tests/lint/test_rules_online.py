"""The lint and the online forms: MySQL/MariaDB foreign keys, the ``mysql_algorithm``/
``mysql_lock`` options of column and index operations (recognised, and run for real), and
drops in a downgrade (reported as information)."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from flask_migrate_lite import commands
from tests.builder import App, write_revision
from tests.databases import version_rows
from tests.lint._support import BASE, CHANGE, base_app, failing, lint_change, rules


def _inspect(made: App) -> sa.Inspector:
    return sa.inspect(made.engine)


FK_SQL = (
    '"ALTER TABLE item ADD CONSTRAINT fk_item_owner FOREIGN KEY (owner_id) REFERENCES owner (id)'
)


@pytest.mark.mysql
@pytest.mark.parametrize(
    "body",
    [
        'op.create_foreign_key("fk_item_owner", "item", "owner", ["owner_id"], ["id"])',
        f'op.execute({FK_SQL}")',
    ],
    ids=["create_foreign_key", "sql"],
)
def test_mysql_foreign_key_on_an_existing_table_fires(
    mysql_url: str, tmp_path: Path, body: str
) -> None:
    with base_app(mysql_url, tmp_path) as made:
        result = lint_change(made, body)
    assert failing(result) == ["add-foreign-key"]
    (finding,) = result.failing
    assert "copy the table with writes blocked" in finding.message
    assert "ALGORITHM=COPY" in finding.locks
    assert "SET SESSION foreign_key_checks = 0" in finding.recipe


@pytest.mark.mysql
def test_mysql_foreign_key_recipe_is_quiet_and_runs(mysql_url: str, tmp_path: Path) -> None:
    body = f"""
        if not op.get_context().as_sql:
            orphans = op.get_bind().execute(sa.text(
                "SELECT count(*) FROM item i LEFT JOIN owner o ON o.id = i.owner_id "
                "WHERE i.owner_id IS NOT NULL AND o.id IS NULL")).scalar()
            assert orphans == 0, orphans
        op.execute("SET SESSION foreign_key_checks = 0")
        op.execute({FK_SQL}, ALGORITHM=INPLACE, LOCK=NONE")
        op.execute("SET SESSION foreign_key_checks = 1")
        """
    with base_app(mysql_url, tmp_path) as made:
        result = lint_change(made, body)
        assert [f.rule for f in result.findings] == [], [f.describe() for f in result.findings]
        made.upgrade()
        assert version_rows(mysql_url) == [CHANGE]
        keys = {str(fk["name"]) for fk in _inspect(made).get_foreign_keys("item")}
        assert keys == {"fk_item_owner"}


ONLINE_OPTIONS = """
op.create_index("ix_item_name", "item", ["name"], mysql_algorithm="INPLACE", mysql_lock="NONE")
op.add_column("item", sa.Column("note", sa.String(10), nullable=True), mysql_algorithm="INSTANT")
op.add_column(
    "item", sa.Column("r", sa.Float(), server_default=sa.text("rand()")), mysql_algorithm="INSTANT"
)
op.alter_column(
    "item", "name", type_=sa.String(60), existing_type=sa.String(50),
    mysql_algorithm="INPLACE", mysql_lock="NONE",
)
"""


@pytest.mark.mysql
def test_mysql_online_options_are_recognised_and_run(mysql_url: str, tmp_path: Path) -> None:
    with base_app(mysql_url, tmp_path) as made:
        result = lint_change(made, ONLINE_OPTIONS)
        assert failing(result) == [], [f.describe() for f in result.findings]
        made.upgrade()
        assert version_rows(mysql_url) == [CHANGE]
        inspector = _inspect(made)
        assert "ix_item_name" in {str(ix["name"]) for ix in inspector.get_indexes("item")}
        columns = {c["name"]: str(c["type"]) for c in inspector.get_columns("item")}
        assert {"note", "r"} <= set(columns)
        assert columns["name"].startswith("VARCHAR(60)")


@pytest.mark.mysql
def test_mysql_online_options_on_a_copying_type_change_say_it_will_fail(
    mysql_url: str, tmp_path: Path
) -> None:
    body = (
        'op.alter_column("item", "n", type_=sa.BigInteger(), existing_type=sa.Integer(), '
        'mysql_algorithm="INPLACE", mysql_lock="NONE")'
    )
    with base_app(mysql_url, tmp_path) as made:
        result = lint_change(made, body)
    assert failing(result) == ["alter-column-type"]
    assert result.failing[0].message == (
        "Changing 'item.n' from INTEGER to BIGINT rewrites the table, so the server will "
        "refuse the ALGORITHM/LOCK asked for and the migration will fail."
    )


@pytest.mark.parametrize(
    "database",
    [
        pytest.param("sqlite", marks=pytest.mark.sqlite),
        pytest.param("postgresql", marks=pytest.mark.postgresql),
        pytest.param("mysql", marks=pytest.mark.mysql),
    ],
)
def test_drops_in_a_downgrade_are_information(
    request: pytest.FixtureRequest, tmp_path: Path, database: str
) -> None:
    url = str(request.getfixturevalue(f"{database}_url"))
    with base_app(url, tmp_path) as made:
        write_revision(
            made.migrations,
            CHANGE,
            BASE,
            'op.add_column("item", sa.Column("note", sa.String(10), nullable=True))',
            'op.drop_column("item", "note")\nop.drop_table("owner")',
        )
        with made.flask.app_context():
            (result,) = commands.lint()
    downgrade = [f for f in result.findings if f.phase == "downgrade"]
    assert [(f.rule, f.severity) for f in downgrade] == [
        ("drop-column", "info"),
        ("drop-table", "info"),
    ]
    assert failing(result) == []
    assert "drop-column" in rules(result)


@pytest.mark.postgresql
def test_postgresql_unique_constraint_in_sql_fires(postgresql_url: str, tmp_path: Path) -> None:
    body = 'op.execute("ALTER TABLE item ADD CONSTRAINT uq_item_name UNIQUE (name)")'
    with base_app(postgresql_url, tmp_path) as made:
        result = lint_change(made, body)
    assert failing(result) == ["add-unique-constraint"]
    assert result.failing[0].message == (
        "Adding a unique constraint to existing table 'item' builds its index while the "
        "table is locked."
    )


@pytest.mark.postgresql
def test_postgresql_unique_constraint_as_autogenerate_writes_it_is_quiet_and_runs(
    postgresql_url: str, tmp_path: Path
) -> None:
    body = """
        with op.get_context().autocommit_block():
            op.create_index(
                op.f("uq_item_name"), "item", ["name"], unique=True, postgresql_concurrently=True
            )
        op.execute("ALTER TABLE item ADD CONSTRAINT uq_item_name UNIQUE USING INDEX uq_item_name")
        """
    with base_app(postgresql_url, tmp_path) as made:
        result = lint_change(made, body)
        assert failing(result) == [], [f.describe() for f in result.findings]
        made.upgrade()
        uniques = {str(u["name"]) for u in _inspect(made).get_unique_constraints("item")}
        assert uniques == {"uq_item_name"}
