"""The schema comparison of ``test_up_down_up``: what differs between two states of a
database, said table by table, on each database."""

from __future__ import annotations

import sqlalchemy as sa

from flask_migrate_lite.testing.database import empty_database
from flask_migrate_lite.testing.schema import SchemaReader, differences


def _before(metadata: sa.MetaData) -> None:
    sa.Table("parent", metadata, sa.Column("id", sa.Integer, primary_key=True))
    sa.Table(
        "child",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(20), nullable=False),
        sa.Column("qty", sa.Integer, nullable=True),
        sa.Column("parent_id", sa.Integer),
    )
    sa.Table("gone", metadata, sa.Column("id", sa.Integer, primary_key=True))


def _after(metadata: sa.MetaData) -> None:
    sa.Table("parent", metadata, sa.Column("id", sa.Integer, primary_key=True))
    sa.Table(
        "child",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(40), nullable=False, index=True),
        sa.Column("qty", sa.Integer, nullable=False, server_default="7"),
        sa.Column("parent_id", sa.Integer, sa.ForeignKey("parent.id")),
        sa.Column("extra", sa.Integer),
        sa.UniqueConstraint("qty", "parent_id", name="uq_child_qty"),
    )
    sa.Table("left", metadata, sa.Column("id", sa.Integer, primary_key=True))


def test_each_kind_of_difference_is_named(database_url: str) -> None:
    engine = sa.create_engine(database_url)
    try:
        with engine.connect() as connection:
            reader = SchemaReader(connection, ["alembic_version"])
            snapshots = []
            for build in (_before, _after):
                empty_database(connection)
                metadata = sa.MetaData()
                build(metadata)
                metadata.create_all(connection)
                connection.commit()
                snapshots.append(reader.snapshot())
            connection.rollback()
            found = differences(reader, snapshots[0], snapshots[1])
            same = differences(reader, snapshots[1], reader.snapshot())
            empty_database(connection)
    finally:
        engine.dispose()
    assert same == []
    assert found[:2] == ["table gone is missing", "table left was left behind"]
    child = [line.removeprefix("table child: ") for line in found[2:]]
    assert child[0] == "column extra was left behind"
    assert child[1] == "column name is VARCHAR(40), NOT NULL, was VARCHAR(20), NOT NULL"
    assert child[2].startswith("column qty is ") and ", NOT NULL, DEFAULT " in child[2]
    assert "7" in child[2] and child[2].endswith(", NULL")
    assert "index ix_child_name (name) was left behind" in child
    assert "foreign key (parent_id) references parent (id) was left behind" in child
    # A unique constraint is named once, not again as its index.
    assert [line for line in child if "uq_child_qty" in line] == [
        "unique uq_child_qty (qty, parent_id) was left behind"
    ]
