"""Offline SQL text: literals escaped once for each database, statements ended for its client.

The scripts themselves are run by the real clients in ``tests/runtime/test_offline_literals.py``;
these tests pin the exact text.
"""

from __future__ import annotations

import datetime
import io
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.dialects import mysql, postgresql, sqlite
from sqlalchemy.engine import Dialect

from flask_migrate_lite.engine.ddl import impl_for
from flask_migrate_lite.engine.ddl.offline import render_sql, script_dialect
from flask_migrate_lite.engine.ddl.postgresql import dollar_tag
from flask_migrate_lite.engine.ddl.sqltext import SQLFlavour, end_statement, scan
from flask_migrate_lite.engine.errors import CommandError

PG = SQLFlavour("postgresql")
MY = SQLFlavour("mysql", backslash_escapes=True)
LITE = SQLFlavour("sqlite")


def _driver(url: str) -> Dialect:
    # The dialects of the drivers in use: psycopg and PyMySQL double '%' online.
    return sa.create_engine(url).dialect


def _literal(value: Any, type_: sa.types.TypeEngine[Any], dialect: Dialect) -> str:
    compiled = sa.literal(value, type_).compile(
        dialect=dialect, compile_kwargs={"literal_binds": True}
    )
    return str(compiled)


# --- ending statements ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sql", "flavour", "expected"),
    [
        ("SELECT 1", PG, "SELECT 1;"),
        ("  SELECT 1 ;  ;\n", PG, "SELECT 1;"),
        ("SELECT ';'", PG, "SELECT ';';"),
        # The terminator would be commented out at the end of the line.
        ("SELECT 1 -- note; here", PG, "SELECT 1 -- note; here\n;"),
        ("SELECT 1 # note", MY, "SELECT 1 # note\n;"),
        ("SELECT 1 /* note; */", PG, "SELECT 1 /* note; */;"),
        # MySQL needs a blank after "--" for a comment.
        ("SELECT 1--1", MY, "SELECT 1--1;"),
        ("SELECT 1--1", PG, "SELECT 1--1\n;"),
        # Semicolons inside strings, names and dollar quotes end nothing.
        ("SELECT 'a;b', \"c;d\", `e;f`", MY, "SELECT 'a;b', \"c;d\", `e;f`;"),
        ("SELECT 'it\\';' AS x", MY, "SELECT 'it\\';' AS x;"),
        ("DO $$ BEGIN PERFORM 1; END $$", PG, "DO $$ BEGIN PERFORM 1; END $$;"),
        ("SELECT [a;b]", LITE, "SELECT [a;b];"),
        # A MySQL body with semicolons goes between DELIMITER lines, with one the body lacks.
        (
            "CREATE PROCEDURE p() BEGIN SELECT 1; END",
            MY,
            "DELIMITER $$\nCREATE PROCEDURE p() BEGIN SELECT 1; END$$\nDELIMITER ;",
        ),
        (
            "CREATE PROCEDURE p() BEGIN SELECT '$$'; END;",
            MY,
            "DELIMITER //\nCREATE PROCEDURE p() BEGIN SELECT '$$'; END//\nDELIMITER ;",
        ),
        # SQLite's and PostgreSQL's clients read trigger and function bodies whole.
        (
            "CREATE TRIGGER t AFTER INSERT ON a BEGIN SELECT 1; END",
            LITE,
            "CREATE TRIGGER t AFTER INSERT ON a BEGIN SELECT 1; END;",
        ),
    ],
)
def test_end_statement(sql: str, flavour: SQLFlavour, expected: str) -> None:
    assert end_statement(sql, flavour) == expected


def test_end_statement_without_terminator() -> None:
    assert end_statement(" SELECT 1 -- x ", PG, "") == "SELECT 1 -- x"


@pytest.mark.parametrize(
    ("sql", "flavour", "kinds"),
    [
        ("SELECT $tag$ a; $$ b $tag$, 1", PG, ["code", "quoted", "code"]),
        ("SELECT a$b$c", PG, ["code"]),  # "$" inside a name opens no dollar quote
        ("SELECT E'it\\'s; -- x', 1", PG, ["code", "quoted", "code"]),
        ("SELECT 'it\\', 1", PG, ["code", "quoted", "code"]),  # standard strings
        ("/* a /* b */ ; */ SELECT 1", PG, ["block_comment", "code"]),  # nested
        ("/* a /* b */ ; */ SELECT 1", MY, ["block_comment", "code"]),
        ("SELECT 'open; -- x", PG, ["code", "quoted"]),
    ],
)
def test_scan(sql: str, flavour: SQLFlavour, kinds: list[str]) -> None:
    parts = scan(sql, flavour)
    assert [part.kind for part in parts] == kinds
    assert "".join(part.text for part in parts) == sql


def test_scan_mysql_block_comments_do_not_nest() -> None:
    parts = scan("/* a /* b */ ; */", MY)
    assert [(p.kind, p.text) for p in parts] == [
        ("block_comment", "/* a /* b */"),
        ("code", " ; */"),
    ]


# --- literals ------------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["postgresql+psycopg://u@h/d", "mysql+pymysql://u@h/d"])
def test_percent_written_once(url: str) -> None:
    online = _driver(url)
    script = script_dialect(online)
    assert _literal("100% %(x)s", sa.String(), script) == "'100% %(x)s'"
    # The driver's dialect is left as it was: online, the driver reads "%%" as "%".
    assert _literal("100%", sa.String(), online) == "'100%%'"
    assert script_dialect(script) is script
    assert render_sql("SELECT '100%' AS p", None, script) == "SELECT '100%' AS p"
    ddl = sa.schema.CreateTable(
        sa.Table(
            "t",
            sa.MetaData(),
            sa.Column("a", sa.Enum("50%", name="pct"), server_default="5%"),
            comment="it's 100%",
        )
    )
    assert "%%" not in render_sql(ddl, None, script)


def test_mysql_strings_stay_on_one_line() -> None:
    script = script_dialect(_driver("mysql+pymysql://u@h/d"))
    assert _literal("a\\b\r\n\x00\x1a'", sa.String(), script) == "'a\\\\b\\r\\n\\0\\Z'''"


def test_mysql_without_backslash_escapes() -> None:
    online = _driver("mysql+pymysql://u@h/d")
    online._backslash_escapes = False  # type: ignore[attr-defined]  # as read from sql_mode
    script = script_dialect(online)
    assert _literal("a\\b\n", sa.String(), script) == "'a\\b\n'"
    with pytest.raises(CommandError, match="NO_BACKSLASH_ESCAPES"):
        _literal("a\x00b", sa.String(), script)


def test_sqlite_nul_and_carriage_return() -> None:
    script = script_dialect(sqlite.dialect())
    assert _literal("a\x00b\r\nc", sa.String(), script) == (
        "('a' || char(0) || 'b' || char(13) || '\nc')"
    )
    assert _literal("a\nb", sa.String(), script) == "'a\nb'"


def test_postgresql_nul_is_refused() -> None:
    script = script_dialect(_driver("postgresql+psycopg://u@h/d"))
    with pytest.raises(CommandError, match="NUL character, which postgresql strings cannot"):
        _literal("a\x00b", sa.String(), script)


@pytest.mark.parametrize(
    ("dialect", "expected"),
    [
        (postgresql.dialect(), "'\\x00ff275c'::bytea"),
        (mysql.dialect(), "X'00ff275c'"),
        (sqlite.dialect(), "X'00ff275c'"),
    ],
)
def test_binary_values_as_hex(dialect: Dialect, expected: str) -> None:
    script = script_dialect(dialect)
    assert _literal(b"\x00\xff'\\", sa.LargeBinary(), script) == expected
    assert _literal(b"\x00\xff'\\", postgresql.BYTEA(), script) == expected
    assert _literal(None, sa.LargeBinary(), script) == "NULL"


def test_json_values() -> None:
    script = script_dialect(_driver("postgresql+psycopg://u@h/d"))
    assert _literal({"a": "it's 100%"}, sa.JSON(), script) == "'{\"a\": \"it''s 100%\"}'"
    assert _literal([1, None], postgresql.JSONB(), script) == "'[1, null]'"
    table = sa.table("t", sa.column("j", sa.JSON()), sa.column("k", sa.JSON(none_as_null=True)))
    insert = table.insert().values(j=None, k=None)
    # JSON's None is JSON null, as the driver stores it; none_as_null makes it SQL NULL.
    assert render_sql(insert, None, script) == "INSERT INTO t (j, k) VALUES ('null', NULL)"
    my = script_dialect(_driver("mysql+pymysql://u@h/d"))
    assert _literal({"p": "C:\\x"}, sa.JSON(), my) == '\'{"p": "C:\\\\\\\\x"}\''


def test_values_without_a_literal_form() -> None:
    script = script_dialect(mysql.dialect())
    with pytest.raises(CommandError, match="has no literal form"):
        _literal(datetime.timedelta(days=1), sa.Interval(), script)


def test_sql_text_reads_as_online() -> None:
    script = script_dialect(_driver("postgresql+psycopg://u@h/d"))
    assert render_sql("SELECT '\\:x', '%s'", None, script) == "SELECT ':x', '%s'"
    assert render_sql("SELECT :x", {"x": "it's"}, script) == "SELECT 'it''s'"
    with pytest.raises(CommandError) as failed:
        render_sql("SELECT ':x'", None, script)
    assert str(failed.value) == (
        "Cannot write the statement \"SELECT ':x'\" to the script, because its parameter ':x' "
        "has no value; give it one (sa.text(...).bindparams(x=...)), or write '\\:x' where a "
        "colon is meant."
    )


# --- the script ----------------------------------------------------------------------------


def test_dollar_tag() -> None:
    assert dollar_tag("BEGIN x; END") == "$$"
    assert dollar_tag("'$$'") == "$fml$"
    assert dollar_tag("'$$' '$fml$' '$fml1$'") == "$fml2$"


def test_comment_lines() -> None:
    out = io.StringIO()
    impl = impl_for(sqlite.dialect(), None, as_sql=True, output=out)
    impl.comment_sql("Running a\r\nb\x00c\rd\n\n  e  ")
    assert out.getvalue() == "-- Running a\n-- b\\x00c\n-- d\n--\n--   e\n\n"


@pytest.mark.parametrize(
    ("dialect", "statement"),
    [
        (postgresql.dialect(), "SET client_encoding = 'UTF8';\n\n"),
        (mysql.dialect(), "SET NAMES utf8mb4;\n\n"),
        (sqlite.dialect(), ""),
    ],
)
def test_client_encoding_before_the_first_non_ascii_text(dialect: Dialect, statement: str) -> None:
    out = io.StringIO()
    impl = impl_for(dialect, None, as_sql=True, output=out)
    impl.execute("SELECT 1")
    impl.comment_sql("caf\u00e9")
    impl.execute("SELECT '\u2603'")
    assert out.getvalue() == (f"SELECT 1;\n\n{statement}-- caf\u00e9\n\nSELECT '\u2603';\n\n")
