"""Conditions and index expressions in one spelling: each database's rewrites undone."""

from __future__ import annotations

import pytest

from flask_migrate_lite.engine.ddl import MySQLImpl, PostgresqlImpl, SQLiteImpl
from flask_migrate_lite.engine.ddl.sql_expressions import tokens

# (as the models write it, as PostgreSQL reports it, as MariaDB reports it)
SAME = [
    ("price > 0", "price > 0::numeric", "`price` > 0"),
    (
        "status IN ('a', 'b')",
        "(status)::text = ANY ((ARRAY['a'::character varying, 'b'::character varying])::text[])",
        "`status` in ('a','b')",
    ),
    ("status NOT IN ('x')", "status::text <> 'x'::text", "`status` <> 'x'"),
    (
        "price BETWEEN 1 AND 5",
        "price >= 1::numeric AND price <= 5::numeric",
        "`price` between 1 and 5",
    ),
    ("name NOT LIKE 'z%'", "name::text !~~ 'z%'::text", "`name` not like 'z%'"),
    ("lower(name) = name", "lower(name::text) = name::text", "lcase(`name`) = `name`"),
    ("name <> 'it''s'", "name::text <> 'it''s'::text", "`name` <> 'it\\'s'"),
    ("price > -1", "price > '-1'::integer", "`price` > -1"),
    (
        "price + 1 > 2 * price",
        "(price + 1::numeric) > (2::numeric * price)",
        "`price` + 1 > 2 * `price`",
    ),
    ("a != 3", "a <> 3", "`a` <> 3"),
]


@pytest.mark.parametrize(("model", "postgresql", "mariadb"), SAME)
def test_rewrites_compare_equal(model: str, postgresql: str, mariadb: str) -> None:
    sqlite = SQLiteImpl.expression_sql(None, model)  # type: ignore[arg-type]
    assert PostgresqlImpl.expression_sql(None, model) == sqlite  # type: ignore[arg-type]
    assert PostgresqlImpl.expression_sql(None, postgresql) == sqlite  # type: ignore[arg-type]
    assert MySQLImpl.expression_sql(None, model) == sqlite  # type: ignore[arg-type]
    assert MySQLImpl.expression_sql(None, mariadb) == sqlite  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("price > 0", "price >= 0"),
        ("status IN ('a', 'b')", "status IN ('a', 'c')"),
        ("name <> 'x'", "name <> 'X'"),
        ("lower(name) = name", "upper(name) = name"),
    ],
)
def test_changes_stay_changes(before: str, after: str) -> None:
    for impl in (SQLiteImpl, PostgresqlImpl, MySQLImpl):
        assert impl.expression_sql(None, before) != impl.expression_sql(None, after)  # type: ignore[arg-type]


def test_tokens_keep_literals_and_unquote_names() -> None:
    assert tokens("\"Name\" = 'A b'") == ["name", "=", "'A b'"]
    assert tokens("`a`<>'x\\'y'", backslash=True) == ["a", "<>", "'x''y'"]
