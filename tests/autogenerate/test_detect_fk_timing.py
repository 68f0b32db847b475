"""Foreign keys made ``DEFERRABLE INITIALLY DEFERRED`` (or back), on tables holding rows.

PostgreSQL and SQLite keep when a key is checked; MariaDB has no deferrable keys (it refuses
the clause), so there the models declare none and must give no change.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlalchemy as sa

from tests.autogenerate.harness import Build, Workbench, schema_differences

PARENTS = [{"id": 1, "name": "one"}, {"id": 2, "name": "two"}]
CHILDREN: list[dict[str, Any]] = [
    {"id": 10, "parent_id": 1, "other_id": 2},
    {"id": 11, "parent_id": 2, "other_id": None},
]


def _models(deferred: bool) -> Build:
    def build(md: sa.MetaData, dialect: str) -> None:
        timing: dict[str, Any] = {}
        steady: dict[str, Any] = {}
        if dialect != "mysql":
            steady = {"deferrable": True, "initially": "IMMEDIATE"}
            if deferred:
                timing = {"deferrable": True, "initially": "DEFERRED"}
        sa.Table(
            "mf_parent",
            md,
            sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
            sa.Column("name", sa.String(20), nullable=False),
        )
        sa.Table(
            "mf_child",
            md,
            sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
            sa.Column("parent_id", sa.Integer, nullable=False),
            sa.Column("other_id", sa.Integer),
            sa.ForeignKeyConstraint(
                ["parent_id"], ["mf_parent.id"], name="fk_mf_child_parent", **timing
            ),
            # Deferrable but checked at once, in both models: never a change.
            sa.ForeignKeyConstraint(
                ["other_id"], ["mf_parent.id"], name="fk_mf_child_other", **steady
            ),
        )

    return build


def _rows(bench: Workbench) -> tuple[list[Any], list[Any]]:
    return bench.select("mf_parent", ["id", "name"]), bench.select(
        "mf_child", ["id", "parent_id", "other_id"]
    )


def _child_first_accepted(bench: Workbench) -> bool:
    """Whether a child may be inserted before its parent within one transaction."""
    engine = bench.engine()
    try:
        with engine.connect() as conn:
            if bench.dialect == "sqlite":
                conn.exec_driver_sql("PRAGMA foreign_keys = ON")
            try:
                conn.execute(sa.text("INSERT INTO mf_child (id, parent_id) VALUES (12, 3)"))
                conn.execute(sa.text("INSERT INTO mf_parent (id, name) VALUES (3, 'three')"))
            except sa.exc.DBAPIError:
                return False
            finally:
                conn.rollback()
            return True
    finally:
        engine.dispose()


def test_foreign_key_made_deferrable_keeps_rows(tmp_path: Path, database_url: str) -> None:
    before, after = _models(False), _models(True)
    bench = Workbench(tmp_path, database_url)
    bench.init()
    assert bench.migrate(before, "keys") is not None
    bench.upgrade(before)
    bench.insert({"mf_parent": PARENTS, "mf_child": CHILDREN})
    assert bench.check(before) == []
    schema_before = bench.snapshot()
    rows = _rows(bench)
    if bench.dialect == "mysql":
        assert bench.check(after) == []
        return
    assert not _child_first_accepted(bench)

    assert bench.check(after) == [
        "Detected added foreign key (parent_id)(id) on table mf_child",
        "Detected removed foreign key (parent_id)(id) on table mf_child",
    ]
    assert bench.migrate(after, "deferred") is not None
    source = sorted((bench.folder / "versions").glob("*.py"))
    assert any("initially='DEFERRED'" in path.read_text() for path in source)
    bench.upgrade(after)
    assert bench.check(after) == []
    assert _rows(bench) == rows
    keys = {fk[0]: dict(fk[4]) for fk in bench.snapshot()["mf_child"]["foreign_keys"]}
    assert keys["fk_mf_child_parent"].get("initially") == "DEFERRED"
    assert _child_first_accepted(bench)

    bench.downgrade(before)
    assert schema_differences(bench.snapshot(), schema_before) == []
    assert _rows(bench) == rows
    assert not _child_first_accepted(bench)
