"""New tables whose foreign keys form a cycle: created first, the closing key added after."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.project import make_project

pytestmark = pytest.mark.e2e

CYCLE = """
class Team(db.Model):
    id = sa.Column(sa.Integer, primary_key=True)
    captain_id = sa.Column(sa.Integer, sa.ForeignKey("player.id"))


class Player(db.Model):
    id = sa.Column(sa.Integer, primary_key=True)
    team_id = sa.Column(sa.Integer, sa.ForeignKey("team.id"))
"""


def _foreign_keys(url: str) -> set[tuple[str, str, str]]:
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            inspector = sa.inspect(conn)
            return {
                (table, fk["constrained_columns"][0], fk["referred_table"])
                for table in ("team", "player")
                if inspector.has_table(table)
                for fk in inspector.get_foreign_keys(table)
            }
    finally:
        engine.dispose()


def test_cycle_of_new_tables(tmp_path: Path, database_url: str) -> None:
    project = make_project(tmp_path / "proj", database_url, models=CYCLE)
    project.run("db", "init")
    made = project.run("db", "migrate", "-m", "teams")
    [written] = project.revision_files()
    text = written.read_text()
    # One table is created with its key, the other without; the key closing the cycle
    # comes after both tables.
    upgrade = text[text.index("def upgrade") : text.index("def downgrade")]
    created = [m.group(1) for m in re.finditer(r"op\.create_table\(\s*'(\w+)'", upgrade)]
    assert sorted(created) == ["player", "team"]
    last_create = max(upgrade.index(f"'{name}',") for name in created)
    assert last_create < upgrade.index("create_foreign_key(")
    assert "Detected added table 'player'" in made.stderr
    project.run("db", "upgrade")
    assert _foreign_keys(database_url) == {
        ("team", "captain_id", "player"),
        ("player", "team_id", "team"),
    }
    assert project.run("db", "check").stdout.strip() == "No new upgrade operations detected."
    project.run("db", "downgrade")
    assert project.tables() <= {"alembic_version"}
