"""MySQL/MariaDB ``alter_column`` without ``existing_*``: the column keeps what is not changed.

MODIFY/CHANGE COLUMN restate the whole column. Online, the column's current definition is
read, so a call that names only the change (as revision files written for Alembic often do)
keeps the column's nullability, default (with ON UPDATE), comment, AUTO_INCREMENT and
character set. Offline nothing can be read, and the call is refused as before.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from flask_migrate_lite import commands
from flask_migrate_lite.engine.ddl import impl_for
from flask_migrate_lite.engine.errors import CommandError, UnsupportedOperation
from flask_migrate_lite.engine.operations.api import Operations
from tests.autogenerate.harness import Workbench
from tests.fakes import FakeMigration
from tests.servers.test_ops_servers import columns, migrating, mysql_name

pytestmark = pytest.mark.mysql

PROJECT = """
CREATE TABLE project (
    id INTEGER NOT NULL AUTO_INCREMENT PRIMARY KEY,
    password VARCHAR(128) NOT NULL DEFAULT 'x' COMMENT 'hashed, it''s \\\\ secret',
    label VARCHAR(20) CHARACTER SET latin1 COLLATE latin1_german1_ci NOT NULL DEFAULT 'n',
    touched TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
    twice INTEGER AS (id * 2) VIRTUAL
) DEFAULT CHARSET=utf8mb4
"""


@pytest.fixture
def my_engine(mysql_url: str) -> Iterator[sa.Engine]:
    engine = sa.create_engine(mysql_url, poolclass=sa.pool.NullPool)
    with engine.begin() as connection:
        connection.exec_driver_sql(PROJECT)
        connection.exec_driver_sql("INSERT INTO project (password, label) VALUES ('p', 'ä')")
    yield engine
    engine.dispose()


def _definition(engine: sa.Engine, name: str) -> dict[str, Any]:
    found: dict[str, Any] = dict(columns(engine, "project")[name])
    found["type"] = found["type"].compile(dialect=engine.dialect)
    return found


def _password(engine: sa.Engine) -> dict[str, Any]:
    return _definition(engine, "password")


def test_type_alone_keeps_nullability_default_and_comment(my_engine: sa.Engine) -> None:
    before = _password(my_engine)
    assert before["type"] == "VARCHAR(128)"
    with migrating(my_engine) as ops:
        ops.alter_column("project", "password", type_=sa.String(length=256))
    assert _password(my_engine) == {**before, "type": "VARCHAR(256)"}
    assert before["nullable"] is False
    assert before["default"] == "'x'"
    assert before["comment"] == "hashed, it's \\ secret"


def test_nullable_alone_keeps_type_default_and_comment(my_engine: sa.Engine) -> None:
    before = _password(my_engine)
    with migrating(my_engine) as ops:
        ops.alter_column("project", "password", nullable=True)
    assert _password(my_engine) == {**before, "nullable": True}


def test_comment_alone_keeps_the_rest(my_engine: sa.Engine) -> None:
    before = _password(my_engine)
    with migrating(my_engine) as ops:
        ops.alter_column("project", "password", comment="new")
    assert _password(my_engine) == {**before, "comment": "new"}


def test_name_alone_keeps_the_definition(my_engine: sa.Engine) -> None:
    before = _password(my_engine)
    with migrating(my_engine) as ops:
        ops.alter_column("project", "password", new_column_name="secret")
    assert _definition(my_engine, "secret") == {**before, "name": "secret"}


def test_name_and_type_keep_the_rest(my_engine: sa.Engine) -> None:
    before = _password(my_engine)
    with migrating(my_engine) as ops:
        ops.alter_column("project", "password", new_column_name="secret", type_=sa.Text())
    assert _definition(my_engine, "secret") == {**before, "name": "secret", "type": "TEXT"}


def test_what_the_call_gives_wins_over_what_is_read(my_engine: sa.Engine) -> None:
    before = _password(my_engine)
    with migrating(my_engine) as ops:
        ops.alter_column(
            "project",
            "password",
            type_=sa.String(200),
            existing_nullable=True,
            existing_server_default=None,
        )
    assert _password(my_engine) == {
        **before,
        "type": "VARCHAR(200)",
        "nullable": True,
        "default": None,
    }


def test_character_set_auto_increment_and_on_update_are_kept(my_engine: sa.Engine) -> None:
    label, touched, key = (_definition(my_engine, n) for n in ("label", "touched", "id"))
    assert label["type"] == "VARCHAR(20) CHARACTER SET latin1 COLLATE latin1_german1_ci"
    assert "ON UPDATE" in touched["default"].upper()
    assert key["autoincrement"] is True
    with migrating(my_engine) as ops:
        ops.alter_column("project", "label", type_=sa.String(40))
        ops.alter_column("project", "touched", nullable=True)
        ops.alter_column("project", "id", type_=sa.BigInteger)
    assert _definition(my_engine, "label") == {
        **label,
        "type": "VARCHAR(40) CHARACTER SET latin1 COLLATE latin1_german1_ci",
    }
    assert _definition(my_engine, "touched") == {**touched, "nullable": True}
    assert _definition(my_engine, "id") == {**key, "type": "BIGINT(20)"}
    with my_engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT label FROM project").scalar() == "ä"


def _rejected(engine: sa.Engine, sql: str) -> bool:
    try:
        with engine.begin() as connection:
            connection.exec_driver_sql(sql)
    except sa.exc.DBAPIError:
        return True
    return False


def test_column_checks_are_kept(my_engine: sa.Engine) -> None:
    # MariaDB keeps a column's CHECK (and a JSON column's json_valid) in its definition.
    with my_engine.begin() as connection:
        connection.exec_driver_sql(
            "CREATE TABLE item (id INTEGER PRIMARY KEY, doc JSON, note JSON, "
            "qty INTEGER COMMENT 'no CHECK (here)' CHECK (qty > 0))"
        )
    with migrating(my_engine) as ops:
        ops.alter_column("item", "doc", nullable=False)
        ops.alter_column("item", "qty", type_=sa.BigInteger)
        ops.alter_column("item", "qty", new_column_name="amount", type_=sa.Integer)
        ops.alter_column("item", "note", type_=sa.Text)
    assert _rejected(my_engine, "INSERT INTO item (id, doc, amount) VALUES (1, 'not json', 1)")
    assert _rejected(my_engine, "INSERT INTO item (id, doc, amount) VALUES (2, '{}', -1)")
    assert not _rejected(
        my_engine, "INSERT INTO item (id, doc, note, amount) VALUES (3, '{}', 'text', 1)"
    )
    assert columns(my_engine, "item")["amount"]["comment"] == "no CHECK (here)"


def test_generated_and_missing_columns_are_refused(my_engine: sa.Engine) -> None:
    name = mysql_name(my_engine)
    with migrating(my_engine) as ops:
        with pytest.raises(UnsupportedOperation) as caught:
            ops.alter_column("project", "twice", type_=sa.BigInteger)
        assert str(caught.value) == (
            f"{name} cannot change the generated column 'twice' of table 'project' with "
            "MODIFY COLUMN; drop the column and add it again with its new definition."
        )
        with pytest.raises(CommandError) as missing:
            ops.alter_column("project", "nothing", nullable=True)
        assert str(missing.value) == (
            "Table 'project' has no column 'nothing' to alter; "
            "check the names given to alter_column."
        )


def test_offline_still_needs_the_full_definition(my_engine: sa.Engine) -> None:
    out = io.StringIO()
    with my_engine.connect() as connection:
        impl = impl_for(connection.dialect, None, as_sql=True, output=out)
    ops = Operations(FakeMigration(impl))
    with pytest.raises(UnsupportedOperation) as caught:
        ops.alter_column("project", "password", type_=sa.String(length=256))
    assert str(caught.value) == (
        f"{mysql_name(my_engine)} cannot change column 'password' of table 'project' without "
        "its full definition, because MODIFY/CHANGE COLUMN restates the whole column; pass "
        "existing_nullable= (the column's current nullable) to alter_column."
    )
    assert out.getvalue() == ""


REVISION = '''"""widen password

Revision ID: 0a1b2c3d4e5f
Revises:
Create Date: 2024-01-01 00:00:00

"""
from alembic import op
import sqlalchemy as sa

revision = "0a1b2c3d4e5f"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.alter_column("project", "password", type_=sa.String(length=256))


def downgrade():
    op.alter_column("project", "password", type_=sa.String(length=128))
'''


def _nothing(md: sa.MetaData, dialect: str) -> None:
    """No models: the revision file is what is run."""


def test_a_published_revision_file_runs_unchanged(
    tmp_path: Path, mysql_url: str, my_engine: sa.Engine
) -> None:
    bench = Workbench(tmp_path, mysql_url)
    bench.init()
    (bench.folder / "versions" / "0a1b2c3d4e5f_widen_password.py").write_text(REVISION)
    before = _password(my_engine)
    bench.upgrade(_nothing)
    assert _password(my_engine) == {**before, "type": "VARCHAR(256)"}
    bench.downgrade(_nothing)
    assert _password(my_engine) == before

    # Offline (--sql) there is no column to read.
    with bench.context(_nothing), pytest.raises(UnsupportedOperation) as caught:
        commands.upgrade(bench.folder, "head", sql=True, report=bench.report)
    assert str(caught.value).endswith(
        " cannot change column 'password' of table 'project' without its full definition, "
        "because MODIFY/CHANGE COLUMN restates the whole column; pass existing_nullable= "
        "(the column's current nullable) to alter_column."
    )
