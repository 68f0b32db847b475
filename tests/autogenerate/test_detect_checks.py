"""Check constraints whose condition changed, on each database, on a table holding rows.

Each database stores a condition its own way (PostgreSQL adds casts and parentheses and
rewrites ``IN`` and ``BETWEEN``, MariaDB quotes names and renames functions), so the models
below hold conditions of many shapes: after ``upgrade`` each must compare equal to what the
database reports (``check`` is clean), and only the one condition that changed is rewritten.
"""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from tests.autogenerate.harness import Build, Workbench, schema_differences

ROWS = [
    {"id": 1, "price": 5, "name": "apple", "status": "a"},
    {"id": 2, "price": 50, "name": "banana", "status": "b"},
]

# Conditions as the models may write them; each database stores them otherwise.
CONDITIONS = {
    "ck_mc_item_price": "price > 0",
    "ck_mc_item_range": "price >= 0 AND price < 1000",
    "ck_mc_item_status": "status IN ('a', 'b')",
    "ck_mc_item_not_x": "status NOT IN ('x')",
    "ck_mc_item_between": "price BETWEEN 1 AND 500",
    "ck_mc_item_name": "length(name) > 2 AND lower(name) = name",
    "ck_mc_item_like": "name NOT LIKE 'z%'",
    "ck_mc_item_quote": "name <> 'it''s'",
    "ck_mc_item_sum": "(price + 1) > (2 * price) OR price != 3",
    "ck_mc_item_coalesce": "coalesce(price, 0) >= 0 AND substr(name, 1, 1) <> 'q'",
    "ck_mc_item_negative": "price > -1 AND price <> -2.5",
}


def _models(changed: str | None) -> Build:
    def build(md: sa.MetaData, dialect: str) -> None:
        table = sa.Table(
            "mc_item",
            md,
            sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
            sa.Column("price", sa.Numeric(10, 2), nullable=False),
            sa.Column("name", sa.String(20), nullable=False),
            sa.Column("status", sa.String(5), nullable=False),
        )
        for name, condition in CONDITIONS.items():
            if name == "ck_mc_item_price" and changed is not None:
                condition = changed
            table.append_constraint(sa.CheckConstraint(condition, name=name))
        # A condition written as a SQLAlchemy expression, compiled for each database.
        table.append_constraint(
            sa.CheckConstraint(table.c.price < sa.literal(10_000), name="ck_mc_item_expr")
        )

    return build


def _checks(bench: Workbench) -> dict[str, str]:
    return {name: text for name, text in bench.snapshot()["mc_item"]["checks"]}


def test_changed_check_condition_keeps_rows(tmp_path: Path, database_url: str) -> None:
    before, after = _models(None), _models("price >= 1")
    bench = Workbench(tmp_path, database_url)
    bench.init()
    assert bench.migrate(before, "items") is not None
    bench.upgrade(before)
    bench.insert({"mc_item": ROWS})
    assert bench.check(before) == []
    schema_before = bench.snapshot()
    rows = bench.select("mc_item", ["id", "price", "name", "status"])

    assert bench.check(after) == [
        "Detected changed check constraint 'ck_mc_item_price' on 'mc_item'"
    ]
    assert bench.migrate(after, "price check") is not None
    bench.upgrade(after)
    assert bench.check(after) == []
    assert bench.select("mc_item", ["id", "price", "name", "status"]) == rows
    checks = _checks(bench)
    assert "1" in checks["ck_mc_item_price"] and ">=" in checks["ck_mc_item_price"]
    # The new condition holds: a price of 0.5 is now refused.
    engine = bench.engine()
    try:
        with engine.connect() as conn:
            insert = sa.text(
                "INSERT INTO mc_item (id, price, name, status) VALUES (3, 0.5, 'cherry', 'a')"
            )
            try:
                conn.execute(insert)
                refused = False
            except sa.exc.DBAPIError:
                refused = True
            conn.rollback()
    finally:
        engine.dispose()
    assert refused

    bench.downgrade(before)
    assert schema_differences(bench.snapshot(), schema_before) == []
    assert bench.select("mc_item", ["id", "price", "name", "status"]) == rows
