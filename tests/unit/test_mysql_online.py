"""``mysql_algorithm``/``mysql_lock`` on column and index operations: the clauses written at
the end of the statement, and the server versions and values refused before running."""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa
from sqlalchemy.dialects import mysql, postgresql

from flask_migrate_lite.engine.ddl import impl_for
from flask_migrate_lite.engine.errors import CommandError, UnsupportedOperation
from flask_migrate_lite.engine.operations import ops
from flask_migrate_lite.engine.operations.dispatch import carry_out

INSTANT = {"mysql_algorithm": "instant"}
ONLINE = {"mysql_algorithm": "INPLACE", "mysql_lock": "NONE"}


def _sql(dialect: sa.engine.Dialect, *operations: ops.MigrateOp) -> list[str]:
    out = io.StringIO()
    impl = impl_for(dialect, None, as_sql=True, output=out)
    for operation in operations:
        carry_out(impl, operation)
    return [line for line in out.getvalue().splitlines() if line.strip()]


def _mysql(version: tuple[int, ...] | None = None, mariadb: bool = False) -> sa.engine.Dialect:
    dialect = mysql.dialect()
    # None: not known (offline).
    setattr(dialect, "server_version_info", version)  # noqa: B010
    dialect.is_mariadb = mariadb
    return dialect


def _add() -> ops.AddColumnOp:
    return ops.AddColumnOp("t", sa.Column("c", sa.Integer, nullable=True), kw=INSTANT)


def test_the_clauses_end_each_statement() -> None:
    assert _sql(
        _mysql(),
        _add(),
        ops.AlterColumnOp(
            "t",
            "s",
            modify_type=sa.String(40),
            existing_type=sa.String(20),
            existing_nullable=True,
            kw=ONLINE,
        ),
        ops.CreateIndexOp("ix", "t", ("c",), kw=ONLINE),
        ops.DropIndexOp("ix", "t", kw=ONLINE),
    ) == [
        "ALTER TABLE t ADD COLUMN c INTEGER, ALGORITHM=INSTANT;",
        "ALTER TABLE t MODIFY s VARCHAR(40) NULL, ALGORITHM=INPLACE, LOCK=NONE;",
        "CREATE INDEX ix ON t (c) ALGORITHM=INPLACE LOCK=NONE;",
        "DROP INDEX ix ON t ALGORITHM=INPLACE LOCK=NONE;",
    ]


def test_other_databases_leave_the_options_out() -> None:
    assert _sql(postgresql.dialect(), _add(), ops.CreateIndexOp("ix", "t", ("c",), kw=ONLINE)) == [
        "ALTER TABLE t ADD COLUMN c INTEGER;",
        "CREATE INDEX ix ON t (c);",
    ]


def test_the_change_back_runs_without_them() -> None:
    widen = ops.AlterColumnOp(
        "t", "s", modify_type=sa.String(40), existing_type=sa.String(20), kw=ONLINE
    )
    assert widen.reverse().kw == {}
    assert _add().reverse().kw == {}


def test_an_unknown_value_is_refused() -> None:
    with pytest.raises(CommandError) as caught:
        _sql(_mysql(), ops.CreateIndexOp("ix", "t", ("c",), kw={"mysql_lock": "nolock"}))
    assert str(caught.value) == (
        "mysql_lock='nolock' is not a value MySQL/MariaDB take; give one of DEFAULT, NONE, "
        "SHARED, EXCLUSIVE."
    )


@pytest.mark.parametrize(
    ("version", "mariadb", "kw", "message"),
    [
        (
            (10, 2, 40),
            True,
            INSTANT,
            "MariaDB cannot run a change with ALGORITHM=INSTANT, which came in MariaDB 10.3.7 "
            "(the server is MariaDB 10.2.40); give mysql_algorithm='INPLACE' instead, or leave "
            "mysql_algorithm out.",
        ),
        (
            (5, 7, 44),
            False,
            INSTANT,
            "MySQL cannot run a change with ALGORITHM=INSTANT, which came in MySQL 8.0.12 "
            "(the server is MySQL 5.7.44); give mysql_algorithm='INPLACE' instead, or leave "
            "mysql_algorithm out.",
        ),
        (
            (8, 0, 36),
            False,
            {"mysql_algorithm": "INSTANT", "mysql_lock": "NONE"},
            "MySQL cannot run a change with ALGORITHM=INSTANT and LOCK=NONE (an instant change "
            "takes only LOCK=DEFAULT there); leave mysql_lock out.",
        ),
        (
            (8, 0, 36),
            False,
            {"mysql_algorithm": "NOCOPY"},
            "MySQL cannot run a change with ALGORITHM=NOCOPY (MySQL 8.0.36 has no such "
            "algorithm); give mysql_algorithm='INPLACE' instead.",
        ),
    ],
)
def test_what_the_server_does_not_take_is_refused_before_running(
    version: tuple[int, ...], mariadb: bool, kw: dict[str, str], message: str
) -> None:
    operation = ops.AddColumnOp("t", sa.Column("c", sa.Integer, nullable=True), kw=kw)
    with pytest.raises(UnsupportedOperation) as caught:
        _sql(_mysql(version, mariadb), operation)
    assert str(caught.value) == message


def test_a_server_that_takes_them_runs_them() -> None:
    lock = {"mysql_algorithm": "INSTANT", "mysql_lock": "NONE"}
    operation = ops.AddColumnOp("t", sa.Column("c", sa.Integer, nullable=True), kw=lock)
    assert _sql(_mysql((10, 11, 9), True), operation) == [
        "ALTER TABLE t ADD COLUMN c INTEGER, ALGORITHM=INSTANT, LOCK=NONE;"
    ]
