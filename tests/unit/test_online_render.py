"""``online_safe=True`` rendering, exactly, and the static reading of non-atomic revisions."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
import sqlalchemy as sa

from flask_migrate_lite.engine.autogenerate.directives import ModifyTableOps, UpgradeOps
from flask_migrate_lite.engine.autogenerate.render import RenderOptions, render_upgrade
from flask_migrate_lite.engine.operations.ops import (
    AlterColumnOp,
    CreateIndexOp,
    CreateTableOp,
    DropIndexOp,
)
from flask_migrate_lite.engine.script.atomicity import uses_autocommit_block
from tests.builder import app, make_folder

pytestmark = pytest.mark.sqlite


def _body(dialect: str, *directives: ModifyTableOps | CreateTableOp) -> str:
    options = RenderOptions(dialect_name=dialect, online_safe=True)
    body = render_upgrade(UpgradeOps(list(directives)), options, set())
    compile(f"def upgrade():\n{body}\n", "<revision>", "exec")
    lines = body.splitlines()[1:-1]  # between the marker comments
    return textwrap.dedent("\n".join(lines)).strip("\n")


def _index_ops() -> ModifyTableOps:
    return ModifyTableOps(
        "item",
        [CreateIndexOp("ix_item_name", "item", ("name",)), DropIndexOp("ix_old", "item")],
    )


def test_postgresql_indexes_concurrently_in_an_autocommit_block() -> None:
    assert _body("postgresql", _index_ops()) == textwrap.dedent(
        """\
        with op.get_context().autocommit_block():
            op.create_index(
                'ix_item_name', 'item', ['name'], unique=False, postgresql_concurrently=True
            )
            op.drop_index('ix_old', table_name='item', postgresql_concurrently=True)"""
    )


def test_mysql_indexes_in_place_without_a_lock() -> None:
    body = _body("mysql", _index_ops())
    assert "'ALTER TABLE item ADD INDEX ix_item_name (name), ALGORITHM=INPLACE, LOCK=NONE'" in body
    assert "op.execute('ALTER TABLE item DROP INDEX ix_old, ALGORITHM=INPLACE, LOCK=NONE')" in body


def test_sqlite_and_new_tables_stay_plain() -> None:
    assert "autocommit_block" not in _body("sqlite", _index_ops())
    assert "ALGORITHM" not in _body("sqlite", _index_ops())
    table = CreateTableOp(
        "fresh",
        (
            sa.Column("id", sa.Integer(), primary_key=True),
            sa.Column("name", sa.String(20)),
            sa.Index("ix_fresh_name", "name"),
        ),
    )
    body = _body("postgresql", table)
    assert "autocommit_block" not in body and "concurrently" not in body


def test_a_not_null_change_with_another_change_stays_plain() -> None:
    alter = AlterColumnOp(
        "item", "note", modify_nullable=False, modify_type=sa.String(40), existing_type=sa.Text()
    )
    body = _body("postgresql", ModifyTableOps("item", [alter]))
    assert "not_valid" not in body and "VALIDATE" not in body


def test_non_atomic_is_read_per_function(tmp_path: Path) -> None:
    path = tmp_path / "a1_x.py"
    path.write_text(
        "from flask_migrate_lite import op\n\n"
        "def upgrade():\n"
        "    with op.get_context().autocommit_block():\n"
        "        op.execute('SELECT 1')\n\n"
        "def downgrade():\n"
        "    op.execute('SELECT 1')\n",
        encoding="utf-8",
    )
    assert uses_autocommit_block(str(path), "upgrade")
    assert not uses_autocommit_block(str(path), "downgrade")
    assert not uses_autocommit_block(str(tmp_path / "missing.py"), "upgrade")
    assert not uses_autocommit_block(None, "upgrade")
    path.write_text("def upgrade(:\n", encoding="utf-8")
    assert not uses_autocommit_block(str(path), "upgrade")


def test_a_migrate_online_safe_that_is_no_flag_is_refused(tmp_path: Path) -> None:
    migrations = make_folder(tmp_path)
    url = f"sqlite:///{tmp_path / 'app.db'}"
    with app(url, migrations, config={"MIGRATE_ONLINE_SAFE": "maybe"}) as made:
        result = made.cli("migrate", code=1)
    assert (
        "Error: MIGRATE_ONLINE_SAFE must be True or False, not 'maybe'; fix it in the app's config."
    ) in result.output.splitlines()
    assert "Traceback" not in result.output
