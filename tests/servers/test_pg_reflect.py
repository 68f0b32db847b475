"""The PostgreSQL catalog reader describes tables exactly as SQLAlchemy's inspector does,
and hands every table it cannot describe back to the inspector."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa

from flask_migrate_lite.engine.autogenerate.reflect.postgresql import (
    constraints_query,
    indexes_query,
    read_pg_tables,
    supported,
)

pytestmark = pytest.mark.postgresql

PLAIN = [
    "CREATE TABLE parent (id serial PRIMARY KEY, code varchar(20) NOT NULL UNIQUE,"
    " price numeric(10,2) DEFAULT 0, ratio double precision,"
    " at timestamp(3) with time zone DEFAULT now(), t time, tags text[], flags bit varying(8),"
    " span interval day to second(2), c char(3), big bigint, sm smallint, r real, js jsonb,"
    " u uuid, b boolean DEFAULT true NOT NULL, bin bytea, d date, dropped integer)",
    "ALTER TABLE parent DROP COLUMN dropped",
    "COMMENT ON TABLE parent IS 'the parent'",
    "COMMENT ON COLUMN parent.code IS 'a code'",
    "CREATE TABLE child (id integer NOT NULL, parent_id integer, other integer, n numeric,"
    " CONSTRAINT child_pk PRIMARY KEY (id),"
    " CONSTRAINT fk_p FOREIGN KEY (parent_id) REFERENCES parent (id)"
    " ON DELETE CASCADE ON UPDATE SET NULL DEFERRABLE INITIALLY DEFERRED,"
    " CONSTRAINT ck_pos CHECK (other > 0), CONSTRAINT uq_two UNIQUE (parent_id, other))",
    "CREATE INDEX ix_child_other ON child (other)",
    "CREATE UNIQUE INDEX ix_child_n ON child (n, other)",
    "ALTER TABLE child ADD CONSTRAINT ck_nv CHECK (n < 100) NOT VALID",
    "CREATE TABLE nopk (a integer, b text)",
    "CREATE TABLE pair (x integer, y integer, PRIMARY KEY (x, y))",
    "CREATE TABLE composite (id integer PRIMARY KEY, a integer, b integer,"
    " CONSTRAINT fk_comp FOREIGN KEY (a, b) REFERENCES pair (x, y) ON DELETE RESTRICT DEFERRABLE)",
    "COMMENT ON CONSTRAINT fk_comp ON composite IS 'fk comment'",
    "CREATE TABLE selfref (id integer PRIMARY KEY,"
    " parent_id integer REFERENCES selfref (id) ON UPDATE CASCADE)",
    'CREATE TABLE "MixedCase" ("Id" integer PRIMARY KEY, "some col" varchar,'
    ' CONSTRAINT "Ck Odd" CHECK ("Id" > 0\n AND "Id" < 10))',
    'CREATE INDEX "Ix Mixed" ON "MixedCase" ("some col")',
    "CREATE TABLE kinds (id bigserial PRIMARY KEY, s smallserial, a varchar, b numeric,"
    ' c bit(3), d money, e inet, f cidr, g macaddr, h tsvector, j oid, k "char", l name,'
    " m json, n int[][], o varchar(5)[], p timestamp(2) without time zone,"
    " q time(1) with time zone, r interval, s2 interval year, t character(1), u float(10),"
    " v double precision[], w text DEFAULT 'x'::text, x timestamp DEFAULT CURRENT_TIMESTAMP,"
    " y boolean DEFAULT false, z int DEFAULT nextval('kinds_id_seq'::regclass))",
    "CREATE TABLE empty ()",
    "CREATE TABLE parted (id integer, k integer, PRIMARY KEY (id, k)) PARTITION BY RANGE (k)",
    "CREATE TABLE deferred_unique (id integer PRIMARY KEY, a integer,"
    " CONSTRAINT uq_def UNIQUE (a) DEFERRABLE INITIALLY DEFERRED)",
]

# Each of these tables has one thing the reader leaves to the inspector.
OTHERS = {
    "e_enum": ["CREATE TYPE mood AS ENUM ('sad', 'ok')", "CREATE TABLE e_enum (id int, m mood)"],
    "e_enum_arr": ["CREATE TABLE e_enum_arr (id int, m mood[])"],
    "e_domain": [
        "CREATE DOMAIN posint AS integer CHECK (VALUE > 0)",
        "CREATE TABLE e_domain (id int, p posint)",
    ],
    "e_coll": ['CREATE TABLE e_coll (id int, name text COLLATE "C")'],
    "e_ident": ["CREATE TABLE e_ident (id int GENERATED ALWAYS AS IDENTITY PRIMARY KEY)"],
    "e_gen": ["CREATE TABLE e_gen (a int, b int GENERATED ALWAYS AS (a * 2) STORED)"],
    "e_unknown": ["CREATE TABLE e_unknown (id int, doc xml)"],
    "e_expr": ["CREATE TABLE e_expr (name text)", "CREATE INDEX ix_expr ON e_expr (lower(name))"],
    "e_partial": [
        "CREATE TABLE e_partial (name text)",
        "CREATE INDEX ix_part ON e_partial (name) WHERE name IS NOT NULL",
    ],
    "e_desc": ["CREATE TABLE e_desc (name text)", "CREATE INDEX ix_desc ON e_desc (name DESC)"],
    "e_gin": ["CREATE TABLE e_gin (tags text[])", "CREATE INDEX ix_gin ON e_gin USING gin (tags)"],
    "e_incl": [
        "CREATE TABLE e_incl (a int, b int)",
        "CREATE INDEX ix_incl ON e_incl (a) INCLUDE (b)",
    ],
    "e_ops": [
        "CREATE TABLE e_ops (name text)",
        "CREATE INDEX ix_ops ON e_ops (name text_pattern_ops)",
    ],
    "e_with": [
        "CREATE TABLE e_with (a int)",
        "CREATE INDEX ix_with ON e_with (a) WITH (fillfactor = 70)",
    ],
    "e_idxcoll": [
        "CREATE TABLE e_idxcoll (name text)",
        'CREATE INDEX ix_coll ON e_idxcoll (name COLLATE "C")',
    ],
    "e_far": [
        "CREATE SCHEMA fml_other",
        "CREATE TABLE fml_other.far (id integer PRIMARY KEY)",
        "CREATE TABLE e_far (far_id integer REFERENCES fml_other.far (id))",
    ],
    "e_match": [
        "CREATE TABLE e_match (a int, b int, FOREIGN KEY (a, b) REFERENCES pair (x, y) MATCH FULL)"
    ],
    "e_excl": ["CREATE TABLE e_excl (r int4range, EXCLUDE USING gist (r WITH &&))"],
    "e_nnd": ["CREATE TABLE e_nnd (a int, CONSTRAINT uq_nnd UNIQUE NULLS NOT DISTINCT (a))"],
    "e_pkincl": [
        "CREATE TABLE e_pkincl (id int, a int, CONSTRAINT pk_i PRIMARY KEY (id) INCLUDE (a))"
    ],
}

KINDS = [
    ("columns", "get_multi_columns"),
    ("pks", "get_multi_pk_constraint"),
    ("fks", "get_multi_foreign_keys"),
    ("indexes", "get_multi_indexes"),
    ("uniques", "get_multi_unique_constraints"),
    ("checks", "get_multi_check_constraints"),
    ("comments", "get_multi_table_comment"),
]


@pytest.fixture
def engine(postgresql_url: str) -> Iterator[sa.Engine]:
    engine = sa.create_engine(postgresql_url)
    with engine.begin() as conn:
        for statement in PLAIN + [s for statements in OTHERS.values() for s in statements]:
            conn.exec_driver_sql(statement)
    yield engine
    engine.dispose()


def _shown(value: Any) -> str:
    # Type objects compare by identity; their repr shows every argument.
    return repr(value)


def test_same_as_the_inspector(engine: sa.Engine) -> None:
    with engine.connect() as conn:
        assert supported(conn)
        inspector = sa.inspect(conn)
        names = sorted(inspector.get_table_names())
        ours = read_pg_tables(conn, names)
        assert ours.others == set(OTHERS)
        read = [name for name in names if name not in OTHERS]
        assert len(read) == 11
        for attribute, method in KINDS:
            theirs = getattr(inspector, method)(filter_names=read)
            mine = getattr(ours, attribute)
            assert sorted(mine) == sorted(theirs), attribute
            for key in theirs:
                assert _shown(mine[key]) == _shown(theirs[key]), (attribute, key)


def test_types_and_defaults_read(engine: sa.Engine) -> None:
    with engine.connect() as conn:
        ours = read_pg_tables(conn, ["parent", "kinds"])
    parent = {c["name"]: c for c in ours.columns[(None, "parent")]}
    assert [c["name"] for c in ours.columns[(None, "parent")]][-1] == "d"  # dropped skipped
    assert repr(parent["price"]["type"]) == "NUMERIC(precision=10, scale=2)"
    assert repr(parent["span"]["type"]) == "INTERVAL(precision=2, fields='day to second')"
    assert parent["id"]["autoincrement"] is True
    assert parent["id"]["default"] == "nextval('parent_id_seq'::regclass)"
    assert parent["code"]["comment"] == "a code"
    assert ours.comments[(None, "parent")] == {"text": "the parent"}
    kinds = {c["name"]: c for c in ours.columns[(None, "kinds")]}
    assert repr(kinds["n"]["type"]) == "ARRAY(INTEGER())"
    assert kinds["w"]["default"] == "'x'::text"


def test_foreign_key_to_a_table_not_asked_for(engine: sa.Engine) -> None:
    with engine.connect() as conn:
        ours = read_pg_tables(conn, ["child", "composite"])
    assert set(ours.columns) == {(None, "child"), (None, "composite")}
    (fk,) = ours.fks[(None, "composite")]
    assert fk["referred_table"] == "pair"
    assert fk["referred_columns"] == ["x", "y"]
    assert fk["options"] == {"ondelete": "RESTRICT", "deferrable": True}
    assert fk["comment"] == "fk comment"


def test_unknown_names_left_to_the_inspector(engine: sa.Engine) -> None:
    with engine.connect() as conn:
        ours = read_pg_tables(conn, ["parent", "no_such_table", "far"])
    assert ours.others == {"no_such_table", "far"}  # far is not on the search path
    assert set(ours.columns) == {(None, "parent")}


@pytest.mark.parametrize("server_15", [True, False])
def test_queries_run_on_the_server_and_name_newer_columns_only_from_15(
    engine: sa.Engine, server_15: bool
) -> None:
    # confdelsetcols and indnullsnotdistinct are PostgreSQL 15 columns: the queries for
    # servers 12 to 14 must not name them (and both forms run here).
    queries = [constraints_query(server_15), indexes_query(server_15)]
    assert ("confdelsetcols" in queries[0]) is server_15
    assert ("indnullsnotdistinct" in queries[1]) is server_15
    with engine.connect() as conn:
        oids = [conn.exec_driver_sql("SELECT 'child'::regclass::oid").scalar()]
        for query in queries:
            assert conn.exec_driver_sql(query, {"oids": oids}).all()
