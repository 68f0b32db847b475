"""Column collations and character sets on MariaDB/MySQL, changed on a table holding rows.

A column's collation is compared with the one the models set, or with the table's when they
set none. SQLite and PostgreSQL do not take these collation names: there the same table,
declared without them, must give no change.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.dialects import mysql

from tests.autogenerate.harness import Build, Workbench, schema_differences

ROWS = [
    {"id": 1, "name": "Apple", "code": "ab", "legacy": "caf"},
    {"id": 2, "name": "apple", "code": "AB", "legacy": "the"},
]
COLUMNS = ["id", "name", "code", "legacy"]


def _models(version: int) -> Build:
    def build(md: sa.MetaData, dialect: str) -> None:
        name: Any = sa.String(20)
        code: Any = sa.String(10)
        legacy: Any = sa.String(10)
        if dialect == "mysql":
            if version == 1:
                code = sa.String(10, collation="utf8mb4_bin")
                legacy = mysql.VARCHAR(10, charset="latin1")
            else:
                name = sa.String(20, collation="utf8mb4_bin")
                legacy = mysql.VARCHAR(10, charset="utf8mb4")
        sa.Table(
            "mco_word",
            md,
            sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
            sa.Column("name", name, nullable=False),
            sa.Column("code", code),
            sa.Column("legacy", legacy),
            mysql_charset="utf8mb4",
            mysql_collate="utf8mb4_general_ci",
        )

    return build


def _collations(bench: Workbench) -> dict[str, tuple[str, str]]:
    engine = bench.engine()
    try:
        with engine.connect() as conn:
            rows = conn.exec_driver_sql(
                "SELECT column_name, character_set_name, collation_name "
                "FROM information_schema.columns WHERE table_schema = database() "
                "AND table_name = 'mco_word' AND collation_name IS NOT NULL"
            )
            return {str(name): (str(charset), str(coll)) for name, charset, coll in rows}
    finally:
        engine.dispose()


def test_collation_changes_keep_rows(tmp_path: Path, database_url: str) -> None:
    before, after = _models(1), _models(2)
    bench = Workbench(tmp_path, database_url)
    bench.init()
    assert bench.migrate(before, "words") is not None
    bench.upgrade(before)
    bench.insert({"mco_word": ROWS})
    assert bench.check(before) == []
    if bench.dialect != "mysql":
        assert bench.check(after) == []
        return
    schema_before = bench.snapshot()
    collations_before = _collations(bench)
    assert collations_before["code"][1] == "utf8mb4_bin"
    assert collations_before["legacy"][0] == "latin1"
    rows = bench.select("mco_word", COLUMNS)

    assert bench.check(after) == [
        "Detected collation change from utf8mb4_general_ci to utf8mb4_bin on 'mco_word.name'",
        "Detected collation change from utf8mb4_bin to utf8mb4_general_ci on 'mco_word.code'",
        "Detected collation change from latin1_swedish_ci to utf8mb4 on 'mco_word.legacy'",
    ]
    assert bench.migrate(after, "collations") is not None
    bench.upgrade(after)
    assert bench.check(after) == []
    assert bench.select("mco_word", COLUMNS) == rows
    collations = _collations(bench)
    assert collations["name"][1] == "utf8mb4_bin"
    assert collations["code"][1] == "utf8mb4_general_ci"
    assert collations["legacy"][0] == "utf8mb4"

    bench.downgrade(before)
    assert schema_differences(bench.snapshot(), schema_before) == []
    assert _collations(bench) == collations_before
    assert bench.select("mco_word", COLUMNS) == rows


@pytest.mark.mysql
def test_collation_the_table_has_is_no_change(tmp_path: Path, mysql_url: str) -> None:
    def build(md: sa.MetaData, dialect: str) -> None:
        sa.Table(
            "mco_same",
            md,
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("name", sa.String(20, collation="utf8mb4_general_ci")),
            sa.Column("other", mysql.VARCHAR(20, charset="utf8mb4")),
            sa.Column("body", sa.Text()),
            mysql_charset="utf8mb4",
            mysql_collate="utf8mb4_general_ci",
        )

    bench = Workbench(tmp_path, mysql_url)
    bench.init()
    assert bench.migrate(build, "same") is not None
    bench.upgrade(build)
    assert bench.check(build) == []
