"""A primary key moved to other columns, written as the old key dropped and the new one
created (in a batch on SQLite), on a table holding rows; the downgrade puts the old key back."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from tests.autogenerate.harness import Build, Workbench, schema_differences

ROWS = [
    {"left_id": 1, "right_id": 1, "code": "a1", "note": "first"},
    {"left_id": 2, "right_id": 1, "code": "b1", "note": None},
    {"left_id": 3, "right_id": 2, "code": "c2", "note": "third"},
]
COLUMNS = ["left_id", "right_id", "code", "note"]


def _models(key: tuple[str, ...]) -> Build:
    def build(md: sa.MetaData, dialect: str) -> None:
        sa.Table(
            "mp_link",
            md,
            sa.Column("left_id", sa.Integer, nullable=False, autoincrement=False),
            sa.Column("right_id", sa.Integer, nullable=False, autoincrement=False),
            sa.Column("code", sa.String(10), nullable=False),
            sa.Column("note", sa.String(20)),
            sa.PrimaryKeyConstraint(*key),
        )

    return build


def test_primary_key_on_other_columns_keeps_rows(tmp_path: Path, database_url: str) -> None:
    one, two, other = _models(("left_id",)), _models(("left_id", "right_id")), _models(("code",))
    bench = Workbench(tmp_path, database_url)
    bench.init()
    assert bench.migrate(one, "links") is not None
    bench.upgrade(one)
    bench.insert({"mp_link": ROWS})
    assert bench.check(one) == []
    schema_one = bench.snapshot()
    rows = bench.select("mp_link", COLUMNS)

    assert bench.check(two) == [
        "Detected changed primary key (left_id) to (left_id, right_id) on table 'mp_link'"
    ]
    assert bench.migrate(two, "wider key") is not None
    bench.upgrade(two)
    assert bench.snapshot()["mp_link"]["pk"] == ("left_id", "right_id")
    assert bench.check(two) == []
    assert bench.select("mp_link", COLUMNS) == rows
    schema_two = bench.snapshot()

    assert bench.check(other) == [
        "Detected changed primary key (left_id, right_id) to (code) on table 'mp_link'"
    ]
    assert bench.migrate(other, "natural key") is not None
    bench.upgrade(other)
    assert bench.snapshot()["mp_link"]["pk"] == ("code",)
    assert bench.check(other) == []
    assert bench.select("mp_link", COLUMNS) == rows

    bench.downgrade(two)
    assert schema_differences(bench.snapshot(), schema_two) == []
    assert bench.select("mp_link", COLUMNS) == rows
    bench.downgrade(one)
    assert schema_differences(bench.snapshot(), schema_one) == []
    assert bench.select("mp_link", COLUMNS) == rows
