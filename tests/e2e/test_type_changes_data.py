"""Type changes on tables with rows, through ``flask db migrate/upgrade/check/downgrade``.

On each database a table is made from its first models and filled; the models then change
column types (a shorter string, BIGINT to INTEGER, DATETIME to DATE, digits held as text to
INTEGER, INTEGER to BOOLEAN, TEXT to JSON). After the upgrade every row reads back with the
converted value, ``check`` is clean, and the downgrade restores the first schema and values.
PostgreSQL's migration converts with ``postgresql_using`` where the server has no assignment
cast, both ways; SQLite's table rebuild converts the stored text; narrowing changes are
written with a warning counting the rows that do not fit; values SQLite cannot convert stop
the upgrade with their count.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from click.testing import Result

from tests.autogenerate.harness import Build, Workbench, schema_differences
from tests.cli_runner import invoke

pytestmark = pytest.mark.e2e

TABLE = "h_types_item"


class Cli(Workbench):
    """``flask db ...`` in-process on an app built from the models given to :meth:`use`."""

    def __init__(self, tmp_path: Path, url: str, build: Build) -> None:
        super().__init__(tmp_path, url)
        self.build = build

    def use(self, build: Build) -> None:
        self.build = build

    def __call__(self, *args: str, code: int = 0) -> Result:
        app = self.app(self.build)
        try:
            result = invoke(app, ["db", *args])
        finally:
            with app.app_context():
                for engine in app.extensions["sqlalchemy"].engines.values():
                    engine.dispose()
        assert result.exit_code == code, result.output
        return result

    def rows(self, build: Build) -> list[tuple[Any, ...]]:
        """Every row, read through the types of ``build``'s models."""
        metadata = sa.MetaData()
        build(metadata, self.dialect)
        table = metadata.tables[TABLE]
        engine = self.engine()
        try:
            with engine.connect() as conn:
                return [tuple(row) for row in conn.execute(sa.select(table).order_by(table.c.id))]
        finally:
            engine.dispose()

    def fill(self, build: Build, rows: list[dict[str, Any]]) -> None:
        """Insert ``rows`` through the types of ``build``'s models (as the app would)."""
        metadata = sa.MetaData()
        build(metadata, self.dialect)
        engine = self.engine()
        try:
            with engine.begin() as conn:
                conn.execute(metadata.tables[TABLE].insert(), rows)
        finally:
            engine.dispose()

    def revision_text(self, made: Result) -> str:
        """The revision file ``made`` (a ``migrate``) wrote."""
        match = re.search(r"^Generating (\S+\.py) \.\.\.  done$", made.output, re.MULTILINE)
        assert match, made.output
        return Path(match.group(1)).read_text()


def before(md: sa.MetaData, dialect: str) -> None:
    sa.Table(
        TABLE,
        md,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("code", sa.String(100)),
        sa.Column("qty", sa.BigInteger),
        sa.Column("at", sa.DateTime),
        sa.Column("order", sa.String(30), server_default="0"),
        sa.Column("flag", sa.Integer, server_default="1"),
        sa.Column("payload", sa.Text),
    )


def after(md: sa.MetaData, dialect: str) -> None:
    sa.Table(
        TABLE,
        md,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("code", sa.String(20)),
        sa.Column("qty", sa.Integer),
        sa.Column("at", sa.Date),
        sa.Column("order", sa.Integer, server_default="0"),
        sa.Column("flag", sa.Boolean, server_default=sa.true()),
        sa.Column("payload", sa.JSON),
    )


ROWS_BEFORE = [
    (1, "abc", 12, dt.datetime(2024, 1, 2), "12", 1, '{"a": 1}'),
    (2, "defghij", 7, dt.datetime(2024, 2, 3), "345", 0, "[1, 2]"),
    (3, None, None, None, None, None, None),
]
ROWS_AFTER = [
    (1, "abc", 12, dt.date(2024, 1, 2), 12, True, {"a": 1}),
    (2, "defghij", 7, dt.date(2024, 2, 3), 345, False, [1, 2]),
    (3, None, None, None, None, None, None),
]
COLUMNS = ("id", "code", "qty", "at", "order", "flag", "payload")


def _warnings(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.startswith("Warning:")]


def _names(dialect: str) -> dict[str, str]:
    return {
        "sqlite": {"big": "BIGINT", "dt": "DATETIME", "text": "TEXT"},
        "postgresql": {"big": "BIGINT", "dt": "TIMESTAMP WITHOUT TIME ZONE", "text": "TEXT"},
        "mysql": {"big": "BIGINT(20)", "dt": "DATETIME", "text": "TEXT"},
    }[dialect]


def test_type_changes_keep_every_row(tmp_path: Path, database_url: str) -> None:
    cli = Cli(tmp_path, database_url, before)
    cli("init")
    cli("migrate", "-m", "first")
    cli("upgrade")
    cli.fill(before, [dict(zip(COLUMNS, row, strict=True)) for row in ROWS_BEFORE])
    assert cli.rows(before) == ROWS_BEFORE
    schema_before = cli.snapshot()

    cli.use(after)
    made = cli("migrate", "-m", "types")
    names = _names(cli.dialect)
    assert _warnings(made.output) == [
        "Warning: The migration narrows column 'h_types_item.code' from VARCHAR(100) to "
        "VARCHAR(20); no row holds values longer than 20 characters today.",
        f"Warning: The migration narrows column 'h_types_item.qty' from {names['big']} to "
        "INTEGER; no row holds values outside -2147483648 to 2147483647 today.",
        f"Warning: The migration narrows column 'h_types_item.at' from {names['dt']} to DATE; "
        "no row holds values with a time of day today.",
    ]
    source = cli.revision_text(made)
    using = re.findall(r"postgresql_using='([^']*)'", source)
    if cli.dialect == "postgresql":
        # upgrade: no assignment cast from varchar to integer, integer to boolean, text to
        # json; downgrade: none from boolean to integer (the rest cast to text by themselves)
        assert using == ['"order"::INTEGER', "flag::BOOLEAN", "payload::JSON", "flag::INTEGER"]
    else:
        assert using == []

    cli("upgrade")
    assert cli.rows(after) == ROWS_AFTER
    assert cli("check").output.strip() == "No new upgrade operations detected."

    cli("downgrade")
    differences = schema_differences(cli.snapshot(), schema_before)
    assert differences == [], "\n".join(differences)
    assert cli.rows(before) == ROWS_BEFORE


def wide(md: sa.MetaData, dialect: str) -> None:
    sa.Table(
        TABLE,
        md,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("code", sa.Text),
        sa.Column("qty", sa.BigInteger),
        sa.Column("amount", sa.Numeric(10, 2)),
        sa.Column("ratio", sa.Numeric(10, 3)),
        sa.Column("at", sa.DateTime),
    )


def narrow(md: sa.MetaData, dialect: str) -> None:
    sa.Table(
        TABLE,
        md,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("code", sa.String(5)),
        sa.Column("qty", sa.SmallInteger),
        sa.Column("amount", sa.Numeric(6, 2)),
        sa.Column("ratio", sa.Integer),
        sa.Column("at", sa.Date),
    )


def test_narrowing_warns_with_the_rows_that_do_not_fit(tmp_path: Path, database_url: str) -> None:
    cli = Cli(tmp_path, database_url, wide)
    cli("init")
    cli("migrate", "-m", "first")
    cli("upgrade")
    cli.fill(
        wide,
        [
            {
                "id": 1,
                "code": "short",
                "qty": 5,
                "amount": Decimal("12.50"),
                "ratio": Decimal("2.000"),
                "at": dt.datetime(2024, 1, 2),
            },
            {
                "id": 2,
                "code": "much too long",
                "qty": 40000,
                "amount": Decimal("12345.67"),
                "ratio": Decimal("2.500"),
                "at": dt.datetime(2024, 1, 2, 3, 4, 5),
            },
            {
                "id": 3,
                "code": "longer",
                "qty": -40000,
                "amount": Decimal("-99999.99"),
                "ratio": Decimal("0.125"),
                "at": dt.datetime(2024, 1, 3, 0, 0, 1),
            },
        ],
    )
    cli.use(narrow)
    assert cli("check", code=1).output.count("Detected type change") == 5
    made = cli("migrate", "-m", "narrow")
    names = _names(cli.dialect)
    text, dt_name, big = names["text"], names["dt"], names["big"]
    numeric = "NUMERIC" if cli.dialect != "mysql" else "DECIMAL"
    assert _warnings(made.output) == [
        f"Warning: The migration narrows column 'h_types_item.code' from {text} to VARCHAR(5), "
        "and 2 rows hold values longer than 5 characters: change them before you upgrade, "
        "or the upgrade fails on them or alters them.",
        f"Warning: The migration narrows column 'h_types_item.qty' from {big} to SMALLINT, "
        "and 2 rows hold values outside -32768 to 32767: change them before you upgrade, "
        "or the upgrade fails on them or alters them.",
        f"Warning: The migration narrows column 'h_types_item.amount' from {numeric}(10, 2) "
        "to NUMERIC(6, 2), and 2 rows hold values with more than 4 digits before the "
        "point or 2 after it: change them before you upgrade, or the upgrade fails on them "
        "or alters them.",
        f"Warning: The migration narrows column 'h_types_item.ratio' from {numeric}(10, 3) "
        "to INTEGER, and 2 rows hold fractions or values outside -2147483648 to 2147483647: "
        "change them before you upgrade, or the upgrade fails on them or alters them.",
        f"Warning: The migration narrows column 'h_types_item.at' from {dt_name} to DATE, "
        "and 2 rows hold values with a time of day: change them before you upgrade, "
        "or the upgrade fails on them or alters them.",
    ]
    # the comparisons leave the rows as they were
    assert [row[1] for row in cli.rows(wide)] == ["short", "much too long", "longer"]


def digits(md: sa.MetaData, dialect: str) -> None:
    sa.Table(
        TABLE,
        md,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("n", sa.String(10)),
        sa.Column("day", sa.String(30)),
    )


def numbers(md: sa.MetaData, dialect: str) -> None:
    sa.Table(
        TABLE,
        md,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("n", sa.Integer),
        sa.Column("day", sa.Date),
    )


@pytest.fixture(
    params=[
        pytest.param("sqlite", marks=pytest.mark.sqlite),
        pytest.param("postgresql", marks=pytest.mark.postgresql),
    ]
)
def converting_url(request: pytest.FixtureRequest) -> str:
    """SQLite and PostgreSQL: the databases that check the values a type change converts."""
    return str(request.getfixturevalue(f"{request.param}_url"))


def test_values_that_cannot_be_converted_stop_the_upgrade(
    tmp_path: Path, converting_url: str
) -> None:
    cli = Cli(tmp_path, converting_url, digits)
    cli("init")
    cli("migrate", "-m", "first")
    cli("upgrade")
    rows = [(1, "12", "2024-01-02"), (2, "1.5", "2024-01-03"), (3, "abc", "not a day")]
    cli.fill(digits, [dict(zip(("id", "n", "day"), row, strict=True)) for row in rows])
    before_upgrade = cli.snapshot()
    cli.use(numbers)
    made = cli("migrate", "-m", "numbers")
    assert _warnings(made.output) == [
        "Warning: The migration changes column 'h_types_item.n' from VARCHAR(10) to INTEGER, "
        "and 2 rows hold values it cannot convert (such as '1.5', 'abc'): the upgrade stops "
        "on them, so change or delete them first.",
        "Warning: The migration changes column 'h_types_item.day' from VARCHAR(30) to DATE, "
        "and 1 row holds a value it cannot convert (such as 'not a day'): the upgrade stops "
        "on them, so change or delete them first.",
    ]
    failed = cli("upgrade", code=1)
    assert "Traceback" not in failed.output
    if cli.dialect == "postgresql":
        assert 'invalid input syntax for type integer: "1.5"' in failed.output
        assert "it was rolled back" in failed.output
    else:
        assert (
            "failed: Cannot change column 'h_types_item.n' from VARCHAR(10) to INTEGER: 2 rows "
            "hold values that SQLite cannot convert (such as '1.5', 'abc'); change or delete them "
            "first, for example with op.execute('UPDATE ...') before the batch; it was rolled "
            "back"
        ) in failed.output
    assert cli.snapshot() == before_upgrade
    assert cli.rows(digits) == rows

    # once the values are fixed, the date column is the next one refused, then it runs
    engine = cli.engine()
    with engine.begin() as conn:
        conn.exec_driver_sql(f"UPDATE {TABLE} SET n = '2' WHERE id = 2")
        conn.exec_driver_sql(f"UPDATE {TABLE} SET n = '3' WHERE id = 3")
    engine.dispose()
    failed = cli("upgrade", code=1)
    if cli.dialect == "postgresql":
        assert 'invalid input syntax for type date: "not a day"' in failed.output
    else:
        assert "column 'h_types_item.day' from VARCHAR(30) to DATE: 1 row holds a value" in (
            failed.output
        )
    engine = cli.engine()
    with engine.begin() as conn:
        conn.exec_driver_sql(f"UPDATE {TABLE} SET day = '2024-01-04' WHERE id = 3")
    engine.dispose()
    cli("upgrade")
    assert cli.rows(numbers) == [
        (1, 12, dt.date(2024, 1, 2)),
        (2, 2, dt.date(2024, 1, 3)),
        (3, 3, dt.date(2024, 1, 4)),
    ]
    assert cli("check").output.strip() == "No new upgrade operations detected."


def dated(md: sa.MetaData, dialect: str) -> None:
    sa.Table(
        TABLE,
        md,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("day", sa.Date),
        sa.Column("at", sa.DateTime),
        sa.Column("answer", sa.String(10)),
        sa.Column("ratio", sa.String(10)),
        sa.Column("done", sa.Boolean),
    )


def timed(md: sa.MetaData, dialect: str) -> None:
    sa.Table(
        TABLE,
        md,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("day", sa.DateTime),
        sa.Column("at", sa.Time),
        sa.Column("answer", sa.Boolean),
        sa.Column("ratio", sa.Float),
        sa.Column("done", sa.String(10)),
    )


@pytest.mark.sqlite
def test_sqlite_rebuild_converts_stored_values(tmp_path: Path, sqlite_url: str) -> None:
    cli = Cli(tmp_path, sqlite_url, dated)
    cli("init")
    cli("migrate", "-m", "first")
    cli("upgrade")
    names = ("id", "day", "at", "answer", "ratio", "done")
    rows = [
        (1, dt.date(2024, 1, 2), dt.datetime(2024, 1, 2, 3, 4, 5, 6), "true", "1.5", True),
        (2, dt.date(2024, 2, 29), dt.datetime(2024, 2, 29, 23, 59, 59), "false", "-2", False),
        (3, None, None, None, None, None),
    ]
    cli.fill(dated, [dict(zip(names, row, strict=True)) for row in rows])
    cli.use(timed)
    made = cli("migrate", "-m", "timed")
    assert "Warning:" not in made.output
    cli("upgrade")
    assert cli.rows(timed) == [
        (1, dt.datetime(2024, 1, 2), dt.time(3, 4, 5, 6), True, 1.5, "true"),
        (2, dt.datetime(2024, 2, 29), dt.time(23, 59, 59), False, -2.0, "false"),
        (3, None, None, None, None, None),
    ]
    engine = cli.engine()
    with engine.connect() as conn:
        stored = conn.exec_driver_sql(f"SELECT day, at FROM {TABLE} WHERE id = 1").one()
    engine.dispose()
    assert tuple(stored) == ("2024-01-02 00:00:00.000000", "03:04:05.000006")
    assert cli("check").output.strip() == "No new upgrade operations detected."
    # back: a time of day cannot become a date and time, so the downgrade says so
    failed = cli("downgrade", code=1)
    assert (
        "Cannot change column 'h_types_item.at' from TIME to DATETIME: 2 rows hold values "
        "that SQLite cannot convert (such as '03:04:05.000006', '23:59:59.000000')"
    ) in failed.output
    assert cli.rows(timed)[0][2] == dt.time(3, 4, 5, 6)


def worded(md: sa.MetaData, dialect: str) -> None:
    sa.Table(
        TABLE,
        md,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("n", sa.String(10), server_default="none"),
    )


def counted(md: sa.MetaData, dialect: str) -> None:
    sa.Table(
        TABLE,
        md,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("n", sa.Integer),
    )


@pytest.mark.postgresql
def test_postgresql_default_that_cannot_follow_the_type(
    tmp_path: Path, postgresql_url: str
) -> None:
    cli = Cli(tmp_path, postgresql_url, worded)
    cli("init")
    cli("migrate", "-m", "first")
    cli("upgrade")
    cli.fill(worded, [{"id": 1, "n": "7"}])
    cli.use(counted)
    cli("migrate", "-m", "counted")
    failed = cli("upgrade", code=1)
    assert (
        "failed: The server default 'none'::character varying of column 'h_types_item.n' "
        'cannot be converted to INTEGER (invalid input syntax for type integer: "none"); '
        "give the alter_column a server_default= for the new type; it was rolled back"
    ) in failed.output
    assert "Traceback" not in failed.output
    assert cli.rows(worded) == [(1, "7")]


def amounts_as_text(md: sa.MetaData, dialect: str) -> None:
    sa.Table(
        TABLE,
        md,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("n", sa.String(10)),
        sa.Column("price", sa.String(10)),
    )


def amounts(md: sa.MetaData, dialect: str) -> None:
    sa.Table(
        TABLE,
        md,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("n", sa.Integer),
        sa.Column("price", sa.Numeric(8, 2)),
    )


@pytest.mark.mysql
def test_mariadb_text_that_is_no_number_is_counted(tmp_path: Path, mysql_url: str) -> None:
    cli = Cli(tmp_path, mysql_url, amounts_as_text)
    cli("init")
    cli("migrate", "-m", "first")
    cli("upgrade")
    rows = [(1, " 12 ", "1e3"), (2, "1.5", "-2.50"), (3, "abc", "x"), (4, None, None)]
    cli.fill(amounts_as_text, [dict(zip(("id", "n", "price"), r, strict=True)) for r in rows])
    cli.use(amounts)
    made = cli("migrate", "-m", "amounts")
    assert _warnings(made.output) == [
        "Warning: The migration changes column 'h_types_item.n' from VARCHAR(10) to INTEGER, "
        "and 2 rows hold values it cannot convert (such as '1.5', 'abc'): the upgrade stops "
        "on them, so change or delete them first.",
        "Warning: The migration changes column 'h_types_item.price' from VARCHAR(10) to "
        "NUMERIC(8, 2), and 1 row holds a value it cannot convert (such as 'x'): the upgrade "
        "stops on them, so change or delete them first.",
    ]
    cli("upgrade", code=1)
    engine = cli.engine()
    with engine.begin() as conn:
        conn.exec_driver_sql(f"UPDATE {TABLE} SET n = '2', price = '0' WHERE id IN (2, 3)")
    engine.dispose()
    cli("upgrade")
    assert cli.rows(amounts) == [
        (1, 12, Decimal("1000.00")),
        (2, 2, Decimal("0.00")),
        (3, 2, Decimal("0.00")),
        (4, None, None),
    ]
    assert cli("check").output.strip() == "No new upgrade operations detected."
