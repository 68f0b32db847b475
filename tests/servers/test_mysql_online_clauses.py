"""``mysql_algorithm``/``mysql_lock`` through ``flask db`` on MariaDB: the clauses in a
``--sql`` script and on the server, a value the server does not take refused in one
sentence, and a change the server cannot make in place refused by it, nothing copied."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.builder import app, error_lines, make_folder, write_revision
from tests.databases import version_rows

pytestmark = pytest.mark.mysql

BASE, CHANGE = "a1c0000000b1", "a1c0000000b2"

BASE_UP = """
op.create_table(
    "box",
    sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False),
    sa.Column("label", sa.String(20), nullable=False),
    sa.Column("n", sa.Integer(), nullable=True),
)
op.execute("INSERT INTO box (id, label, n) VALUES (1, 'a', 1)")
"""


def _folder(tmp_path: Path, change: str) -> Path:
    migrations = make_folder(tmp_path / "migrations")
    write_revision(migrations, BASE, None, BASE_UP, 'op.drop_table("box")', message="box")
    write_revision(migrations, CHANGE, BASE, change, "pass", message="change")
    return migrations


ONLINE = """
op.add_column("box", sa.Column("note", sa.String(10), nullable=True), mysql_algorithm="INSTANT")
op.alter_column(
    "box", "label", type_=sa.String(40), existing_type=sa.String(20), existing_nullable=False,
    mysql_algorithm="INPLACE", mysql_lock="NONE",
)
op.create_index("ix_box_label", "box", ["label"], mysql_algorithm="INPLACE", mysql_lock="NONE")
"""


def test_the_clauses_in_a_script_and_on_the_server(mysql_url: str, tmp_path: Path) -> None:
    with app(mysql_url, _folder(tmp_path, ONLINE)) as made:
        script = made.cli("upgrade", "--sql", f"{BASE}:{CHANGE}").stdout
        assert "ALTER TABLE box ADD COLUMN note VARCHAR(10), ALGORITHM=INSTANT;" in script
        assert (
            "ALTER TABLE box MODIFY label VARCHAR(40) NOT NULL, ALGORITHM=INPLACE, LOCK=NONE;"
            in script
        )
        assert "CREATE INDEX ix_box_label ON box (label) ALGORITHM=INPLACE LOCK=NONE;" in script
        made.cli("upgrade")
        inspector = sa.inspect(made.engine)
        columns = {c["name"]: str(c["type"]) for c in inspector.get_columns("box")}
        indexes = {str(ix["name"]) for ix in inspector.get_indexes("box")}
    assert version_rows(mysql_url) == [CHANGE]
    assert "note" in columns and columns["label"].startswith("VARCHAR(40)")
    assert "ix_box_label" in indexes


def test_a_value_the_server_does_not_take_is_one_sentence(mysql_url: str, tmp_path: Path) -> None:
    change = 'op.create_index("ix_box_n", "box", ["n"], mysql_algorithm="FAST")'
    with app(mysql_url, _folder(tmp_path, change)) as made:
        made.cli("upgrade", BASE)
        result = made.cli("upgrade", code=1)
    (line,) = error_lines(result.stderr)
    assert line.startswith(f"Error: The upgrade of revision {CHANGE} failed: ")
    assert (
        "mysql_algorithm='FAST' is not a value MySQL/MariaDB take; give one of DEFAULT, COPY, "
        "INPLACE, NOCOPY, INSTANT; " in line
    ), line
    assert "Traceback" not in result.stderr
    assert version_rows(mysql_url) == [BASE]


def test_a_copying_change_asked_in_place_is_refused_by_the_server(
    mysql_url: str, tmp_path: Path
) -> None:
    change = (
        'op.alter_column("box", "n", type_=sa.BigInteger(), existing_type=sa.Integer(), '
        'mysql_algorithm="INPLACE", mysql_lock="NONE")'
    )
    with app(mysql_url, _folder(tmp_path, change)) as made:
        made.cli("upgrade", BASE)
        result = made.cli("upgrade", code=1)
        columns = {c["name"]: str(c["type"]) for c in sa.inspect(made.engine).get_columns("box")}
    (line,) = error_lines(result.stderr)
    assert "1846" in line and "ALGORITHM=INPLACE is not supported" in line, line
    assert columns["n"].startswith("INTEGER")
    assert version_rows(mysql_url) == [BASE]
