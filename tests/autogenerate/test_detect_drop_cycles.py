"""Tables dropped whose foreign keys form a cycle (``team.captain_id`` to ``player``,
``player.team_id`` to ``team``), holding rows that refer to each other.

Where a key can be dropped alone (PostgreSQL, MariaDB) the key that closes the cycle is
dropped first, then the tables; the downgrade creates the tables and then that key. SQLite
drops the tables in order (its keys do not stop a ``DROP TABLE``).
"""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from tests.autogenerate.harness import Workbench, schema_differences


def teams(md: sa.MetaData, dialect: str) -> None:
    kept(md, dialect)
    sa.Table(
        "mcy_team",
        md,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("name", sa.String(20), nullable=False),
        sa.Column("captain_id", sa.Integer, sa.ForeignKey("mcy_player.id", name="fk_captain")),
    )
    sa.Table(
        "mcy_player",
        md,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("team_id", sa.Integer, sa.ForeignKey("mcy_team.id", name="fk_player_team")),
    )
    sa.Table(
        "mcy_card",
        md,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("player_id", sa.Integer, sa.ForeignKey("mcy_player.id", name="fk_card_player")),
        sa.Column("keep_id", sa.Integer, sa.ForeignKey("mcy_keep.id", name="fk_card_keep")),
    )


def kept(md: sa.MetaData, dialect: str) -> None:
    sa.Table(
        "mcy_keep",
        md,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("label", sa.String(20)),
    )


def _fill(bench: Workbench) -> None:
    engine = bench.engine()
    try:
        with engine.begin() as conn:
            for statement in (
                "INSERT INTO mcy_keep (id, label) VALUES (1, 'kept')",
                "INSERT INTO mcy_team (id, name) VALUES (1, 'red'), (2, 'blue')",
                "INSERT INTO mcy_player (id, team_id) VALUES (10, 1), (20, 2)",
                "UPDATE mcy_team SET captain_id = 10 WHERE id = 1",
                "UPDATE mcy_team SET captain_id = 20 WHERE id = 2",
                "INSERT INTO mcy_card (id, player_id, keep_id) VALUES (100, 10, 1)",
            ):
                conn.exec_driver_sql(statement)
    finally:
        engine.dispose()


def test_tables_in_a_key_cycle_are_dropped(tmp_path: Path, database_url: str) -> None:
    bench = Workbench(tmp_path, database_url)
    bench.init()
    assert bench.migrate(teams, "teams") is not None
    bench.upgrade(teams)
    _fill(bench)
    assert bench.check(teams) == []
    schema_before = bench.snapshot()

    assert sorted(bench.check(kept)) == [
        "Detected removed table 'mcy_card'",
        "Detected removed table 'mcy_player'",
        "Detected removed table 'mcy_team'",
    ]
    revision = bench.migrate(kept, "drop teams")
    assert revision is not None
    source = sorted((bench.folder / "versions").glob("*.py"), key=lambda p: p.stat().st_mtime)
    text = source[-1].read_text()
    if bench.dialect != "sqlite":
        upgrade = text[text.index("def upgrade") : text.index("def downgrade")]
        assert upgrade.index("drop_constraint") < upgrade.index("drop_table")
    bench.upgrade(kept)
    assert set(bench.snapshot(enums=False)) == {"mcy_keep"}
    assert bench.check(kept) == []
    assert bench.select("mcy_keep", ["id", "label"]) == [(1, "kept")]

    bench.downgrade(teams)
    assert schema_differences(bench.snapshot(), schema_before) == []
    assert bench.select("mcy_keep", ["id", "label"]) == [(1, "kept")]
    # The tables hold rows that refer to each other again.
    _fill_again(bench)
    assert bench.select("mcy_team", ["id", "captain_id"]) == [(1, 10)]


def _fill_again(bench: Workbench) -> None:
    engine = bench.engine()
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql("INSERT INTO mcy_team (id, name) VALUES (1, 'red')")
            conn.exec_driver_sql("INSERT INTO mcy_player (id, team_id) VALUES (10, 1)")
            conn.exec_driver_sql("UPDATE mcy_team SET captain_id = 10 WHERE id = 1")
    finally:
        engine.dispose()
