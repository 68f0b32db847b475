"""Every rule fires on its bad example and stays quiet on its safe recipe, on each database
where it applies, judged with the facts of a real database (a table with a row)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.lint._support import base_app, failing, lint_change

PG, MY, LITE = "postgresql", "mysql", "sqlite"

ADD_NOTE = 'op.add_column("item", sa.Column("note", sa.String(10), nullable=True))'

# rule -> (databases, bad example, safe recipe per database ("*": every one))
CASES: dict[str, tuple[tuple[str, ...], str, dict[str, str]]] = {
    "create-index": (
        (PG, MY),
        'op.create_index("ix_item_name", "item", ["name"])',
        {
            PG: """
                with op.get_context().autocommit_block():
                    op.create_index(
                        "ix_item_name", "item", ["name"], postgresql_concurrently=True
                    )
                """,
            MY: 'op.execute("ALTER TABLE item ADD INDEX ix_item_name (name), '
            'ALGORITHM=INPLACE, LOCK=NONE")',
        },
    ),
    "add-unique-constraint": (
        (PG, MY),
        'op.create_unique_constraint("uq_item_name", "item", ["name"])',
        {
            PG: """
                with op.get_context().autocommit_block():
                    op.create_index(
                        "uq_item_name", "item", ["name"], unique=True,
                        postgresql_concurrently=True,
                    )
                op.execute(
                    "ALTER TABLE item ADD CONSTRAINT uq_item_name UNIQUE USING INDEX uq_item_name"
                )
                """,
            MY: 'op.execute("ALTER TABLE item ADD UNIQUE INDEX uq_item_name (name), '
            'ALGORITHM=INPLACE, LOCK=NONE")',
        },
    ),
    "add-foreign-key": (
        (PG,),
        'op.create_foreign_key("fk_item_owner", "item", "owner", ["owner_id"], ["id"])',
        {
            PG: """
                op.create_foreign_key(
                    "fk_item_owner", "item", "owner", ["owner_id"], ["id"],
                    postgresql_not_valid=True,
                )
                op.execute("ALTER TABLE item VALIDATE CONSTRAINT fk_item_owner")
                """
        },
    ),
    "add-check-constraint": (
        (PG,),
        'op.create_check_constraint("ck_item_n", "item", "n > 0")',
        {
            PG: """
                op.create_check_constraint(
                    "ck_item_n", "item", "n > 0", postgresql_not_valid=True
                )
                op.execute("ALTER TABLE item VALIDATE CONSTRAINT ck_item_n")
                """
        },
    ),
    "set-not-null": (
        (PG,),
        'op.alter_column("item", "name", existing_type=sa.String(50), nullable=False)',
        {
            PG: """
                op.create_check_constraint(
                    "ck_item_name_nn", "item", "name IS NOT NULL", postgresql_not_valid=True
                )
                op.execute("ALTER TABLE item VALIDATE CONSTRAINT ck_item_name_nn")
                op.alter_column("item", "name", existing_type=sa.String(50), nullable=False)
                op.drop_constraint("ck_item_name_nn", "item", type_="check")
                """
        },
    ),
    "add-column-volatile-default": (
        (PG, MY),
        "",  # per database below
        {"*": 'op.add_column("item", sa.Column("r", sa.Float(), server_default="0"))'},
    ),
    "add-column-not-null": (
        (PG, MY, LITE),
        'op.add_column("item", sa.Column("code", sa.String(10), nullable=False))',
        {
            "*": 'op.add_column("item", sa.Column("code", sa.String(10), nullable=False, '
            'server_default="x"))'
        },
    ),
    "alter-column-type": (
        (PG, MY),
        'op.alter_column("item", "n", type_=sa.BigInteger(), existing_type=sa.Integer())',
        {"*": 'op.alter_column("item", "name", type_=sa.String(60), existing_type=sa.String(50))'},
    ),
    "drop-column": (
        (PG, MY, LITE),
        'op.drop_column("item", "n")',
        {"*": 'op.drop_column("item", "n")  # migrate-lint: ignore[drop-column] unused since 2.3'},
    ),
    "drop-table": (
        (PG, MY, LITE),
        'op.drop_table("owner")',
        {"*": 'op.drop_table("owner")  # migrate-lint: ignore[drop-table] unused since 2.3'},
    ),
    "rename-table": (
        (PG, MY, LITE),
        'op.rename_table("owner", "person")',
        {"*": 'op.create_table("person", sa.Column("id", sa.Integer(), primary_key=True))'},
    ),
    "rename-column": (
        (PG, MY, LITE),
        'op.alter_column("item", "n", new_column_name="qty", existing_type=sa.Integer())',
        {"*": 'op.add_column("item", sa.Column("qty", sa.Integer(), nullable=True))'},
    ),
    "ddl-with-data-update": (
        (PG, LITE),
        f"{ADD_NOTE}\nop.execute(\"UPDATE item SET note = 'x'\")",
        {
            "*": f"""
                {ADD_NOTE}
                with op.get_context().autocommit_block():
                    op.execute("UPDATE item SET note = 'x'")
                """
        },
    ),
    "no-lock-timeout": (
        (PG, MY),
        ADD_NOTE,
        {
            PG: f"op.execute(\"SET lock_timeout = '2s'\")\n{ADD_NOTE}",
            MY: f'op.execute("SET SESSION lock_wait_timeout = 5")\n{ADD_NOTE}',
        },
    ),
    "batch-rebuild": (
        (LITE,),
        """
        with op.batch_alter_table("item") as batch_op:
            batch_op.alter_column("n", type_=sa.BigInteger(), existing_type=sa.Integer())
        """,
        {
            LITE: """
                with op.batch_alter_table("item") as batch_op:
                    batch_op.add_column(sa.Column("note", sa.String(10), nullable=True))
                """
        },
    ),
}

VOLATILE = {
    PG: 'op.add_column("item", sa.Column("r", sa.Float(), server_default=sa.text("random()")))',
    MY: 'op.add_column("item", sa.Column("u", sa.String(36), server_default=sa.text("(uuid())")))',
}

_MARKS = {PG: pytest.mark.postgresql, MY: pytest.mark.mysql, LITE: pytest.mark.sqlite}
PAIRS = [
    pytest.param(rule, database, id=f"{rule}-{database}", marks=_MARKS[database])
    for rule, (databases, _bad, _safe) in CASES.items()
    for database in databases
]


def _url(request: pytest.FixtureRequest, database: str) -> str:
    return str(request.getfixturevalue(f"{database}_url"))


def _config(rule: str) -> dict[str, object]:
    # Every test but the lock timeout's own runs as with MIGRATE_DDL_LOCK_TIMEOUT set.
    return {"MIGRATE_DDL_LOCK_TIMEOUT": 0} if rule == "no-lock-timeout" else {}


@pytest.mark.parametrize(("rule", "database"), PAIRS)
def test_fires_on_bad_example(
    request: pytest.FixtureRequest, tmp_path: Path, rule: str, database: str
) -> None:
    _databases, bad, _safe = CASES[rule]
    body = VOLATILE[database] if rule == "add-column-volatile-default" else bad
    with base_app(_url(request, database), tmp_path, config=_config(rule)) as made:
        result = lint_change(made, body)
    assert failing(result) == [rule], [f.describe() for f in result.findings]
    (finding,) = result.failing
    assert finding.revision == "11aa00000002"
    assert finding.path.endswith(".py") and finding.line > 0
    assert finding.locks or rule.startswith(("drop-", "rename-"))
    assert finding.recipe


@pytest.mark.parametrize(("rule", "database"), PAIRS)
def test_quiet_on_safe_recipe(
    request: pytest.FixtureRequest, tmp_path: Path, rule: str, database: str
) -> None:
    _databases, _bad, safe = CASES[rule]
    body = safe.get(database, safe.get("*", ""))
    with base_app(_url(request, database), tmp_path, config=_config(rule)) as made:
        result = lint_change(made, body)
    assert failing(result) == [], [f.describe() for f in result.findings]
