"""Whether the version table or the applied log is there: the same answer on each database,
names compared exactly, views counted as tables, an index or sequence of the name not."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import sqlalchemy as sa

from flask_migrate_lite.engine.runtime.exists import table_exists


@contextmanager
def _engine(url: str) -> Iterator[sa.Engine]:
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        yield engine
    finally:
        engine.dispose()


def test_tables_and_views_count_and_other_names_do_not(database_url: str) -> None:
    with _engine(database_url) as engine:
        with engine.begin() as connection:
            connection.exec_driver_sql("CREATE TABLE alembic_version (version_num VARCHAR(32))")
            connection.exec_driver_sql("CREATE VIEW seen AS SELECT * FROM alembic_version")
            connection.exec_driver_sql("CREATE INDEX ix_only ON alembic_version (version_num)")
        with engine.connect() as connection:
            assert table_exists(connection, "alembic_version")
            assert table_exists(connection, "seen")
            assert not table_exists(connection, "ix_only")
            assert not table_exists(connection, "alembic_version_log")


@pytest.mark.postgresql
def test_postgresql_schema_case_and_quotes(postgresql_url: str) -> None:
    with _engine(postgresql_url) as engine:
        with engine.begin() as connection:
            connection.exec_driver_sql('CREATE SCHEMA "fml_Tenant.One"')
            connection.exec_driver_sql('CREATE TABLE "fml_Tenant.One"."Odd""Name" (id INTEGER)')
            connection.exec_driver_sql('CREATE TABLE "fml_Tenant.One".plain (id INTEGER)')
            connection.exec_driver_sql('CREATE SEQUENCE "fml_Tenant.One".counter')
            connection.exec_driver_sql("CREATE TABLE plain (id INTEGER)")
        with engine.connect() as connection:
            assert table_exists(connection, 'Odd"Name', "fml_Tenant.One")
            assert not table_exists(connection, 'odd"name', "fml_Tenant.One")
            assert table_exists(connection, "plain", "fml_Tenant.One")
            assert not table_exists(connection, "counter", "fml_Tenant.One")
            assert not table_exists(connection, "plain", "fml_no_such_schema")
            assert table_exists(connection, "plain")  # through the search_path
            assert not table_exists(connection, 'Odd"Name')  # not on the search_path
            connection.exec_driver_sql('SET search_path TO "fml_Tenant.One"')
            assert table_exists(connection, 'Odd"Name')


@pytest.mark.postgresql
def test_postgresql_answer_agrees_with_the_inspector(postgresql_url: str) -> None:
    with _engine(postgresql_url) as engine:
        with engine.begin() as connection:
            for n in range(3):
                connection.exec_driver_sql(f"CREATE SCHEMA fml_s{n}")
                if n != 1:
                    connection.exec_driver_sql(f"CREATE TABLE fml_s{n}.alembic_version (v TEXT)")
        with engine.connect() as connection:
            inspector = sa.inspect(connection)
            for schema in ("fml_s0", "fml_s1", "fml_s2", None):
                assert table_exists(connection, "alembic_version", schema) == (
                    inspector.has_table("alembic_version", schema=schema)
                ), schema
