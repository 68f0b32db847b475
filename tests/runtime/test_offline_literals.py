"""Offline scripts hold every value exactly as the online run stores it.

The migrations below are full of hostile literals: percent signs (which drivers with the
``format`` parameter style need doubled, and a script must not), colons, quotes, backslashes,
dollar quotes, newlines and carriage returns, NUL, unicode, semicolons and comment markers
inside strings, in row values, JSON, binary data, server defaults, comments, CHECK
constraints, enum labels, index names, SQL text with and without bound parameters, statement
bodies that hold semicolons, and revision messages of several lines that look like SQL.

Each ``--sql`` script is run by the database's own client (``psql -v ON_ERROR_STOP=1``,
``mariadb``, ``sqlite3 -bail``), with a client whose default encoding is not UTF-8, and the
database must end up exactly as the same commands run online leave a fresh one: the rows, and
the schema as reflection sees it.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from tests.project import HANG
from tests.runtime._support import (
    App,
    app,
    connect,
    dialect_of,
    make_folder,
    reset,
    run_script,
    snapshot,
    version_rows,
    write_app,
    write_revision,
)

R1, R2, R3 = "7e1000000001", "7e1000000002", "7e1000000003"

#: Strings that each break some naive way of writing a literal into SQL.
TEXTS = [
    "100%",
    "%%",
    "50%% off",
    "%(name)s",
    "%s and %d",
    ":name",
    "a :name b",
    "it's",
    "''",
    'say "hi"',
    "back\\slash",
    "ends with \\",
    "C:\\new\\x64",
    "\\N",
    "\\'",
    "$$",
    "$tag$ x $tag$",
    "$fml$",
    "line one\nline two",
    "cr\r\nlf",
    "lone\rcr",
    "tab\there",
    "unicod\u00e9 \u2603 \U0001f600",
    "ctrl-z \x1a",
    "semi; colon;",
    "-- not a comment",
    "/* nor this */",
    "*/",
    "# hash",
    "`tick`",
    "[bracket]",
    "delimiter //",
    "\\q",
    "\\g",
    ".quit",
    "END $$;",
    "'); DROP TABLE victim; --",
]
LABELS = ["it's", "back\\slash", "$$", "$fml$", "100%", "a :b", "semi;colon", 'dq"x', "\u00e9"]
DEFAULT = "it's 100% \\ $$ -- ; /* done"
COMMENT = "O'Brien's 100% \"table\" $$ \\"
CHECK = "s IS NULL OR s <> 'forbidden 100% it''s $$ -- ; /*'"
INDEX = 'ix "odd" 100% $$ name'
COLUMN = 'odd "col" 100% :x $$'
BINARY = b"\x00'\\\r\n%$$" + bytes(range(256))
JSON_VALUE = {"texts": TEXTS, "none": None, "number": 1.5, "nested": {"it's": ["100%"]}}

#: A message of several lines that would run if any line were left uncommented.
MESSAGE = (
    "hostile literals: 100% it's $$\n"
    "DROP TABLE victim; SELECT 'x' $$ -- all of it commented\n"
    "*/ /* ; DELIMITER //\n"
    "    indented; and trailing blanks   "
)

HEADER = f"""
TEXTS = {TEXTS!r}
LABELS = {LABELS!r}
BINARY = {BINARY!r}
JSON_VALUE = {JSON_VALUE!r}
"""

R1_UP = """
op.create_table("victim", sa.Column("id", sa.Integer(), primary_key=True))
op.execute("INSERT INTO victim (id) VALUES (1)")
"""
R1_DOWN = """
op.drop_table("victim")
"""

R2_UP = f"""
import datetime, decimal
dialect = op.get_context().dialect.name
op.create_table(
    "hostile",
    sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False, comment={COMMENT!r}),
    sa.Column("s", sa.Text()),
    sa.Column("sd", sa.String(200), server_default={DEFAULT!r}),
    sa.Column("label", sa.Enum(*LABELS, name="hostile_label")),
    sa.Column("j", sa.JSON()),
    sa.Column("b", sa.LargeBinary()),
    sa.Column("n", sa.Numeric(10, 2)),
    sa.Column("d", sa.Date()),
    sa.Column("dt", sa.DateTime()),
    sa.Column("flag", sa.Boolean()),
    sa.Column({COLUMN!r}, sa.String(20), server_default="c"),
    sa.Column("td", sa.String(50), server_default=sa.text("'text() 100% it''s $$'")),
    sa.CheckConstraint({CHECK!r}, name="ck_hostile_s"),
    comment={COMMENT!r},
)
op.create_index({INDEX!r}, "hostile", ["sd"])
hostile = sa.table(
    "hostile",
    *(sa.column(name, type_) for name, type_ in [
        ("id", sa.Integer()), ("s", sa.Text()),
        ("label", sa.Enum(*LABELS, name="hostile_label")), ("j", sa.JSON()),
        ("b", sa.LargeBinary()), ("n", sa.Numeric(10, 2)), ("d", sa.Date()),
        ("dt", sa.DateTime()), ("flag", sa.Boolean()), ({COLUMN!r}, sa.String()),
    ])
)
texts = TEXTS + ([] if dialect == "postgresql" else ["nul \\x00 byte"])
op.bulk_insert(hostile, [
    {{"id": number, "s": text, "label": LABELS[number % len(LABELS)]}}
    for number, text in enumerate(texts, 1)
])
op.bulk_insert(hostile, [
    {{
        "id": 500, "s": None, "j": JSON_VALUE, "b": BINARY, "n": decimal.Decimal("12.50"),
        "d": datetime.date(2020, 2, 29), "dt": datetime.datetime(2020, 2, 29, 23, 59, 58),
        "flag": True, {COLUMN!r}: "odd 100% it's",
    }},
    {{
        "id": 501, "s": "", "j": None, "b": None, "n": None, "d": None, "dt": None,
        "flag": False, {COLUMN!r}: None,
    }},
])
op.execute(
    "INSERT INTO hostile (id, s) VALUES "
    "(600, '100% it''s; -- not a comment /* nor this */ \\\\:name %(name)s $$ ?')"
)
op.execute(
    sa.text("INSERT INTO hostile (id, s, sd) VALUES (:id, :s, :sd)").bindparams(
        id=601, s=TEXTS[-1], sd=TEXTS[0]
    )
)
op.execute(
    hostile.update()
    .where(hostile.c.s == op.inline_literal("it's"))
    .values(s=op.inline_literal("updated: 100% it's $$ \\\\ :name"))
)
op.execute("UPDATE hostile SET flag = (1 = 1) WHERE id = 600;")
op.execute("UPDATE hostile SET n = 2 WHERE id = 600 -- a trailing comment; with a semicolon")
op.execute("UPDATE hostile SET n = 3 WHERE id = 601 /* a block; comment */")
op.add_column(
    "hostile", sa.Column("added", sa.String(100), server_default="added 100% it's $$")
)
if dialect == "postgresql":
    op.execute(
        "DO $$ BEGIN INSERT INTO hostile (id, s) VALUES (700, 'from DO; it''s 100%'); END $$"
    )
    op.execute(
        "CREATE FUNCTION fml_hostile() RETURNS text LANGUAGE plpgsql AS "
        "$body$ BEGIN RETURN 'function; $$ 100%'; END $body$"
    )
    op.execute("INSERT INTO hostile (id, s) VALUES (701, fml_hostile())")
    op.execute("DROP FUNCTION fml_hostile()")
elif dialect == "mysql":
    op.execute(
        "CREATE PROCEDURE fml_hostile() BEGIN "
        "INSERT INTO hostile (id, s) VALUES (700, 'procedure; $$ 100%'); "
        "INSERT INTO hostile (id, s) VALUES (701, 'second; statement'); END"
    )
    op.execute("CALL fml_hostile()")
    op.execute("DROP PROCEDURE fml_hostile")
else:
    op.execute(
        "CREATE TRIGGER fml_hostile AFTER INSERT ON hostile WHEN NEW.id = 700 BEGIN "
        "UPDATE hostile SET s = 'trigger; $$ 100%' WHERE id = NEW.id; END"
    )
    op.execute("INSERT INTO hostile (id) VALUES (700)")
    op.execute("DROP TRIGGER fml_hostile")
op.execute("INSERT INTO hostile (id) VALUES (800)")
if dialect != "sqlite":
    op.alter_column("hostile", "added", server_default="altered 50% it's $$ \\\\")
    op.execute("INSERT INTO hostile (id) VALUES (801)")
"""
R2_DOWN = f"""
op.drop_index({INDEX!r}, table_name="hostile")
op.drop_table("hostile")
if op.get_context().dialect.name == "postgresql":
    op.execute("DROP TYPE hostile_label")
"""

R3_UP = """
op.create_table_comment("victim", "victim's 100% comment $$")
op.add_column("victim", sa.Column("note", sa.String(50), comment="note's 100% $$"))
op.bulk_insert(
    sa.table("victim", sa.column("id", sa.Integer), sa.column("note", sa.String)),
    [{"id": 2, "note": "100% it's"}],
)
"""
R3_DOWN = """
op.execute("DELETE FROM victim WHERE id = 2")
op.drop_column("victim", "note")
op.drop_table_comment("victim")
"""


def _folder(path: Path) -> Path:
    migrations = make_folder(path)
    write_revision(migrations, R1, None, R1_UP, R1_DOWN, message="victim")
    write_revision(
        migrations, R2, R1, R2_UP, R2_DOWN, message=MESSAGE, header=HEADER, slug="hostile"
    )
    write_revision(
        migrations, R3, R2, R3_UP, R3_DOWN, message="comments of 100% it's", slug="comments"
    )
    return migrations


def _state(url: str) -> dict[str, Any]:
    """:func:`snapshot` and what it leaves out: CHECK constraints, comments, enum types."""
    state = snapshot(url)
    with connect(url) as connection:
        inspector = sa.inspect(connection)
        dialect = connection.dialect.name
        for table, entry in state.items():
            entry["checks"] = sorted(
                (c["name"], c["sqltext"]) for c in inspector.get_check_constraints(table)
            )
            if dialect != "sqlite":
                entry["comment"] = inspector.get_table_comment(table)["text"]
                entry["column_comments"] = [
                    (c["name"], c.get("comment")) for c in inspector.get_columns(table)
                ]
        if dialect == "postgresql":
            state["enums"] = sorted(
                (e["name"], tuple(e["labels"]))
                for e in inspector.get_enums()  # type: ignore[attr-defined]
            )
    return state


def _script(migrate: App, *args: str) -> str:
    # Result.stdout would turn the "\r\n" of values into "\n"; the bytes are what was written.
    return migrate.cli(*args).stdout_bytes.decode("utf-8")


def _check_data(url: str) -> None:
    """The rows hold exactly the values the migrations wrote (not merely the same both ways)."""
    dialect = dialect_of(url)
    with connect(url) as connection:
        rows: dict[Any, Any] = dict(connection.execute(sa.text("SELECT id, s FROM hostile")).all())
        victims = list(connection.execute(sa.text("SELECT id FROM victim")).scalars())
        defaults: dict[Any, Any] = dict(
            connection.execute(sa.text("SELECT id, added FROM hostile")).all()
        )
        text_defaults = set(connection.execute(sa.text("SELECT td FROM hostile")).scalars())
        binary, json_value = connection.execute(
            sa.text("SELECT b, j FROM hostile WHERE id = 500")
        ).one()
    expected = {number: text for number, text in enumerate(TEXTS, 1) if text != "it's"}
    if dialect != "postgresql":
        expected[len(TEXTS) + 1] = "nul \x00 byte"
    assert {number: rows[number] for number in expected} == expected
    assert rows[TEXTS.index("it's") + 1] == "updated: 100% it's $$ \\ :name"
    assert rows[600] == "100% it's; -- not a comment /* nor this */ :name %(name)s $$ ?"
    assert rows[601] == TEXTS[-1]
    assert {number: rows[number] for number in (700, 701) if number in rows} == {
        "postgresql": {700: "from DO; it's 100%", 701: "function; $$ 100%"},
        "mysql": {700: "procedure; $$ 100%", 701: "second; statement"},
        "sqlite": {700: "trigger; $$ 100%"},
    }[dialect]
    assert victims == [1]  # R3's row went with the downgrade; the table stayed
    assert defaults[800] == "added 100% it's $$"
    assert text_defaults == {"text() 100% it's $$"}
    if dialect != "sqlite":
        assert defaults[801] == "altered 50% it's $$ \\"
    assert bytes(binary) == BINARY
    if isinstance(json_value, str):
        json_value = json.loads(json_value)
    assert json_value == JSON_VALUE


def test_hostile_literals_offline_match_online(tmp_path: Path, database_url: str) -> None:
    migrations = _folder(tmp_path)
    commands = [
        (("upgrade", "--sql"), ("upgrade", "head")),
        (("downgrade", "--sql", f"{R3}:{R1}"), ("downgrade", R1)),
        (("upgrade", "--sql", f"{R1}:{R2}"), ("upgrade", R2)),
        (("stamp", "--sql", f"{R2}:{R3}"), ("stamp", R3)),
    ]
    with app(database_url, migrations) as migrate:
        offline = []
        for args, _ in commands:
            run_script(database_url, _script(migrate, *args))
            offline.append(_state(database_url))
        _check_data(database_url)
        assert version_rows(database_url) == [R3]
        reset(database_url)
        online = []
        for _, args in commands:
            migrate.cli(*args)
            online.append(_state(database_url))
    for number, (written, ran) in enumerate(zip(offline, online, strict=True)):
        assert written == ran, f"after {' '.join(commands[number][0])}"


@pytest.mark.e2e
@pytest.mark.parametrize("stdout_encoding", ["", "latin-1"])
def test_script_written_by_the_flask_command(
    tmp_path: Path, database_url: str, stdout_encoding: str
) -> None:
    # The bytes the real command writes to its standard output, newlines untouched, and
    # UTF-8 whatever encoding the terminal's locale would give standard output.
    _folder(tmp_path)
    project = write_app(tmp_path, database_url)
    done = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "app", "db", "upgrade", "--sql"],
        cwd=project.path,
        env=project.env(PYTHONIOENCODING=stdout_encoding),
        capture_output=True,
        timeout=HANG,
    )
    assert done.returncode == 0, done.stderr
    run_script(database_url, done.stdout.decode("utf-8"))
    written = _state(database_url)
    reset(database_url)
    project.run("db", "upgrade")
    assert written == _state(database_url)


def test_message_lines_are_all_comments(tmp_path: Path, database_url: str) -> None:
    migrations = make_folder(tmp_path)
    write_revision(migrations, R1, None, R1_UP, R1_DOWN, message="victim")
    write_revision(migrations, R2, R1, "op.execute('SELECT 1')", message=MESSAGE, slug="message")
    with app(database_url, migrations) as migrate:
        script = _script(migrate, "upgrade", "--sql")
    lines = script.splitlines()
    first = f"-- Running upgrade {R1} -> {R2}, hostile literals: 100% it's $$"
    start = lines.index(first)
    assert lines[start : start + 5] == [
        first,
        "-- DROP TABLE victim; SELECT 'x' $$ -- all of it commented",
        "-- */ /* ; DELIMITER //",
        "--     indented; and trailing blanks",
        "",
    ]
    assert sum("DROP TABLE victim" in line for line in lines) == 1
    run_script(database_url, script)
    assert version_rows(database_url) == [R2]
    with connect(database_url) as connection:
        assert sa.inspect(connection).has_table("victim")


@pytest.mark.postgresql
def test_enum_labels_in_a_do_block(tmp_path: Path, postgresql_url: str) -> None:
    migrations = make_folder(tmp_path)
    up = """
    op.create_table(
        "labelled",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("label", sa.Enum(*LABELS, name="hostile_label")),
    )
    """
    write_revision(migrations, R1, None, up, header=HEADER, slug="labels")
    with app(postgresql_url, migrations) as migrate:
        script = _script(migrate, "upgrade", "--sql")
    (block,) = [line for line in script.splitlines() if line.startswith("DO $fml")]
    # The labels hold "$$" and "$fml$", so the block is quoted with a tag they do not hold.
    assert block.startswith("DO $fml1$ BEGIN CREATE TYPE hostile_label AS ENUM (")
    assert block.endswith(" END $fml1$;")
    run_script(postgresql_url, script)
    run_script(postgresql_url, block)  # the type exists: the block does nothing
    with connect(postgresql_url) as connection:
        (enum,) = sa.inspect(connection).get_enums()  # type: ignore[attr-defined]
    assert enum["labels"] == LABELS
