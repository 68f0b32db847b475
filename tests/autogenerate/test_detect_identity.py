"""Identity columns added, changed and dropped on a table holding rows (PostgreSQL), and the
same models giving no change on databases without identity columns (SQLite, MariaDB).

An identity added to a column that holds values continues after the largest of them, so
the next row inserted gets a new value.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlalchemy as sa

from tests.autogenerate.harness import Build, Workbench, schema_differences

ROWS = [{"id": 1, "number": 7, "label": "a"}, {"id": 2, "number": 9, "label": "b"}]
COLUMNS = ["id", "number", "label"]


def _models(version: int) -> Build:
    def build(md: sa.MetaData, dialect: str) -> None:
        number: list[Any] = []
        if version == 2:
            number = [sa.Identity(start=1)]
        elif version == 3:
            number = [sa.Identity(always=True, start=100, increment=5)]
        sa.Table(
            "mid_ticket",
            md,
            sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
            sa.Column("number", sa.Integer, *number, nullable=False),
            sa.Column("label", sa.String(10)),
        )

    return build


def _insert_label(bench: Workbench, label: str) -> Any:
    engine = bench.engine()
    try:
        with engine.begin() as conn:
            conn.execute(
                sa.text("INSERT INTO mid_ticket (id, label) VALUES (3, :label)"), {"label": label}
            )
            return conn.scalar(sa.text("SELECT number FROM mid_ticket WHERE id = 3"))
    finally:
        engine.dispose()


def _delete_third(bench: Workbench) -> None:
    engine = bench.engine()
    try:
        with engine.begin() as conn:
            conn.execute(sa.text("DELETE FROM mid_ticket WHERE id = 3"))
    finally:
        engine.dispose()


def test_identity_changes_keep_rows(tmp_path: Path, database_url: str) -> None:
    plain, counted, always = _models(1), _models(2), _models(3)
    bench = Workbench(tmp_path, database_url)
    bench.init()
    assert bench.migrate(plain, "tickets") is not None
    bench.upgrade(plain)
    bench.insert({"mid_ticket": ROWS})
    assert bench.check(plain) == []
    schema_plain = bench.snapshot()
    rows = bench.select("mid_ticket", COLUMNS)
    if bench.dialect != "postgresql":
        assert bench.check(counted) == []
        assert bench.check(always) == []
        return

    assert bench.check(counted) == ["Detected added identity on column 'mid_ticket.number'"]
    assert bench.migrate(counted, "identity") is not None
    bench.upgrade(counted)
    assert bench.check(counted) == []
    assert bench.select("mid_ticket", COLUMNS) == rows
    assert _insert_label(bench, "c") == 10  # after the largest value, 9
    _delete_third(bench)
    schema_counted = bench.snapshot()

    assert bench.check(always) == ["Detected changed identity on column 'mid_ticket.number'"]
    assert bench.migrate(always, "always") is not None
    bench.upgrade(always)
    assert bench.check(always) == []
    assert bench.select("mid_ticket", COLUMNS) == rows

    assert bench.check(plain) == ["Detected removed identity on column 'mid_ticket.number'"]
    bench.downgrade(counted)
    assert schema_differences(bench.snapshot(), schema_counted) == []
    assert bench.select("mid_ticket", COLUMNS) == rows
    bench.downgrade(plain)
    assert schema_differences(bench.snapshot(), schema_plain) == []
    assert bench.select("mid_ticket", COLUMNS) == rows
    engine = bench.engine()
    try:
        with engine.connect() as conn:
            column = next(
                c for c in sa.inspect(conn).get_columns("mid_ticket") if c["name"] == "number"
            )
    finally:
        engine.dispose()
    assert not column.get("identity")


def _counter(generated: bool) -> Build:
    def build(md: sa.MetaData, dialect: str) -> None:
        sa.Table(
            "mid_counter",
            md,
            sa.Column("id", sa.Integer, primary_key=True, autoincrement=generated),
            sa.Column("label", sa.String(10)),
        )

    return build


def _generates(bench: Workbench) -> bool:
    engine = bench.engine()
    try:
        with engine.connect() as conn:
            column = next(
                c for c in sa.inspect(conn).get_columns("mid_counter") if c["name"] == "id"
            )
    finally:
        engine.dispose()
    return bool(column.get("autoincrement"))


def test_auto_increment_changes_keep_rows(tmp_path: Path, database_url: str) -> None:
    manual, generated = _counter(False), _counter(True)
    bench = Workbench(tmp_path, database_url)
    bench.init()
    assert bench.migrate(manual, "counter") is not None
    bench.upgrade(manual)
    bench.insert({"mid_counter": [{"id": 4, "label": "d"}, {"id": 8, "label": "h"}]})
    assert bench.check(manual) == []
    rows = bench.select("mid_counter", ["id", "label"])
    if bench.dialect != "mysql":
        return  # the flag is MySQL's; the others' are not compared
    assert not _generates(bench)
    assert bench.check(generated) == ["Detected AUTO_INCREMENT added to column 'mid_counter.id'"]
    assert bench.migrate(generated, "generated") is not None
    bench.upgrade(generated)
    assert bench.check(generated) == []
    assert _generates(bench)
    assert bench.select("mid_counter", ["id", "label"]) == rows
    engine = bench.engine()
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql("INSERT INTO mid_counter (label) VALUES ('next')")
            assert conn.scalar(sa.text("SELECT max(id) FROM mid_counter")) == 9
            conn.exec_driver_sql("DELETE FROM mid_counter WHERE id = 9")
    finally:
        engine.dispose()

    bench.downgrade(manual)
    assert not _generates(bench)
    assert bench.select("mid_counter", ["id", "label"]) == rows
