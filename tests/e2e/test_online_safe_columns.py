"""Online-safe column changes on MariaDB (``ALGORITHM=INSTANT``/``INPLACE`` with
``LOCK=NONE`` where the server can, plain where it would copy the table), a unique constraint
on PostgreSQL (a unique index built concurrently, then attached), and the same models on
SQLite: migrate, upgrade with rows in the table, check, downgrade."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.builder import Project
from tests.databases import dialect_of

pytestmark = pytest.mark.e2e

MODELS_V1 = """
class Part(db.Model):
    id = sa.Column(sa.Integer, primary_key=True)
    name = sa.Column(sa.String(20), nullable=False)
    code = sa.Column(sa.String(40), nullable=True)
    qty = sa.Column(sa.Integer, nullable=True)
"""

# name widened within its length prefix (INPLACE), code past it (copies: plain), qty to
# BIGINT (copies: plain), colour added nullable, size with a constant default and serial
# before its unique constraint (INSTANT).
MODELS_V2 = """
class Part(db.Model):
    id = sa.Column(sa.Integer, primary_key=True)
    name = sa.Column(sa.String(60), nullable=False)
    code = sa.Column(sa.String(300), nullable=True)
    qty = sa.Column(sa.BigInteger, nullable=True)
    colour = sa.Column(sa.String(16), nullable=True)
    size = sa.Column(sa.Integer, nullable=False, server_default="3")
    serial = sa.Column(sa.String(10), nullable=True, unique=True)
"""


def _generated(output: str) -> Path:
    match = re.search(r"^Generating (\S+\.py) \.\.\.  done$", output, re.MULTILINE)
    assert match, output
    return Path(match.group(1))


def _query(url: str, sql: str) -> list[tuple[object, ...]]:
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.begin() as conn:
            result = conn.execute(sa.text(sql))
            return [tuple(row) for row in result] if result.returns_rows else []
    finally:
        engine.dispose()


def _columns(url: str) -> dict[str, str]:
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            return {
                c["name"]: str(c["type"]).split(" ")[0]
                for c in sa.inspect(conn).get_columns("part")
            }
    finally:
        engine.dispose()


def _uniques(url: str) -> set[str]:
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            found = sa.inspect(conn).get_unique_constraints("part")
            return {str(unique["name"]) for unique in found}
    finally:
        engine.dispose()


def test_online_safe_column_changes_round_trip(tmp_path: Path, database_url: str) -> None:
    dialect = dialect_of(database_url)
    path = tmp_path / "proj"
    project = Project.create(
        path, database_url, models=MODELS_V1, migrate_args=", online_safe=True"
    )
    project.run("db", "init")
    first = _generated(project.run("db", "migrate", "-m", "parts").stderr)
    first_id = first.name.split("_", 1)[0]
    project.run("db", "upgrade")
    _query(
        database_url,
        "INSERT INTO part (id, name, code, qty) VALUES (1, 'bolt', 'b-1', 5), (2, 'nut', 'n-1', 7)",
    )

    Project.create(path, database_url, models=MODELS_V2, migrate_args=", online_safe=True")
    second = _generated(project.run("db", "migrate", "-m", "part columns").stderr)
    second_id = second.name.split("_", 1)[0]
    upgrade, downgrade = second.read_text("utf-8").split("def downgrade", 1)
    if dialect == "mysql":
        for column in ("colour", "size", "serial"):
            added = (
                rf"add_column\(\s*sa\.Column\('{column}', [^\n]*\),"
                r"\s*mysql_algorithm='INSTANT',\s*\)"
            )
            assert re.search(added, upgrade), upgrade
        widened = (
            r"alter_column\(\s*'name',[^)]*\),[^)]*\),\s*existing_nullable=False,\s*"
            r"existing_server_default=None,\s*mysql_algorithm='INPLACE',\s*mysql_lock='NONE',\s*\)"
        )
        assert re.search(widened, upgrade), upgrade
        # The changes that copy the table get no clause; nor does anything in the downgrade.
        assert upgrade.count("mysql_algorithm") == 4, upgrade
        assert "mysql_algorithm" not in downgrade
    else:
        assert "mysql_" not in upgrade + downgrade
    if dialect == "postgresql":
        concurrently = (
            "op.create_index(\n            op.f('uq_part_serial'),\n            'part',\n"
            "            ['serial'],\n            unique=True,\n"
            "            postgresql_concurrently=True,\n        )"
        )
        assert "    with op.get_context().autocommit_block():\n        " + concurrently in upgrade
        attach = "ALTER TABLE part ADD CONSTRAINT uq_part_serial UNIQUE USING INDEX uq_part_serial"
        assert f"    op.execute(\n        '{attach}'\n    )" in upgrade, upgrade
        assert upgrade.index(concurrently) < upgrade.index(attach)
        assert "drop_constraint(batch_op.f('uq_part_serial'), type_='unique')" in downgrade
    else:
        assert "USING INDEX" not in upgrade

    project.run("db", "upgrade")
    assert project.versions() == [second_id]
    columns = _columns(database_url)
    assert columns["name"] == "VARCHAR(60)" and columns["code"] == "VARCHAR(300)"
    assert {"colour", "size", "serial"} <= set(columns)
    rows = _query(database_url, "SELECT id, name, code, qty, colour, size FROM part ORDER BY id")
    assert rows == [(1, "bolt", "b-1", 5, None, 3), (2, "nut", "n-1", 7, None, 3)]
    assert _uniques(database_url) == {"uq_part_serial"}
    assert "No new upgrade operations detected." in project.run("db", "check").output

    project.run("db", "downgrade")
    assert project.versions() == [first_id]
    columns = _columns(database_url)
    assert columns["name"] == "VARCHAR(20)" and columns["code"] == "VARCHAR(40)"
    assert not {"colour", "size", "serial"} & set(columns)
    assert _uniques(database_url) == set()
    rows = _query(database_url, "SELECT id, name, code, qty FROM part ORDER BY id")
    assert rows == [(1, "bolt", "b-1", 5), (2, "nut", "n-1", 7)]
