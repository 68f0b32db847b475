"""The statements a failing migration lists, and the applied log's row insert, on their own.

The run's own writes (version table, applied log) are rendered only when a message lists
them; they must read exactly as the statements rendered when they ran, on each dialect.
"""

from __future__ import annotations

import datetime

import pytest
from sqlalchemy import Column, Integer, MetaData, Table, delete, insert, update
from sqlalchemy.dialects import mysql, postgresql, sqlite
from sqlalchemy.engine import Dialect
from sqlalchemy.schema import CreateTable
from sqlalchemy.sql.expression import Executable

from flask_migrate_lite.engine.runtime.applied_log import log_table
from flask_migrate_lite.engine.runtime.ran import StatementLog
from flask_migrate_lite.engine.runtime.version import version_table

DIALECTS = [sqlite.dialect(), postgresql.psycopg.dialect(), mysql.pymysql.dialect()]


def _rendered(dialect: Dialect, statements: list[Executable]) -> list[str]:
    """The texts of ``statements`` as a log without own tables renders them at once."""
    eager = StatementLog(dialect)
    for statement in statements:
        eager.ran(statement)
    return eager.statements


@pytest.mark.parametrize("dialect", DIALECTS, ids=lambda d: d.name)
def test_own_writes_are_listed_as_they_ran(dialect: Dialect) -> None:
    versions = version_table()
    log = log_table("alembic_version_log")
    when = datetime.datetime(2026, 1, 2, 3, 4, 5)
    statements: list[Executable] = [
        insert(versions).values(version_num="aaa"),
        update(versions).where(versions.c.version_num == "aaa").values(version_num="bbb"),
        insert(log).values(revision="bbb", direction="upgrade", applied_at=when).inline(),
        delete(versions).where(versions.c.version_num == "bbb"),
    ]
    statement_log = StatementLog(dialect, [versions, log])
    for statement in statements:
        statement_log.ran(statement)
    statement_log.commit()
    expected = _rendered(dialect, statements)
    assert statement_log.statements == expected
    assert statement_log.kept == expected
    assert expected[0].startswith("INSERT INTO alembic_version (version_num) VALUES (")


def test_a_migrations_own_statement_is_rendered_when_it_ran() -> None:
    # A table the migration made can change afterwards; its statement reads as it ran.
    table = Table("gadget", MetaData(), Column("id", Integer, primary_key=True))
    statement_log = StatementLog(sqlite.dialect(), [version_table()])
    statement_log.ran(CreateTable(table))
    table.append_column(Column("later", Integer))
    statement_log.ran(insert(table).values(id=1))
    statement_log.commit()
    assert statement_log.kept == [
        "CREATE TABLE gadget ( id INTEGER NOT NULL, PRIMARY KEY (id) )",
        "INSERT INTO gadget (id) VALUES (?)",
    ]
