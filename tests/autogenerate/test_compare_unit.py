"""compare_metadata on models created with ``create_all``: spellings that are NOT changes.

Each case builds models, creates them in an empty database of each dialect, and compares the
same models with what the database reports: the comparison must find nothing. A few cases
then change one thing in the models and check that exactly that is found. At the end, the
hooks' arguments and the downgrade directives (``UpgradeOps.reverse``) without a database.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
import sqlalchemy as sa

from flask_migrate_lite.engine.autogenerate.compare import (
    CompareOptions,
    Comparison,
    compare_metadata,
)
from flask_migrate_lite.engine.autogenerate.directives import (
    EnumColumn,
    EnumTypeOp,
    ModifyTableOps,
    UpgradeOps,
)
from flask_migrate_lite.engine.operations.ops import (
    AddColumnOp,
    CreateIndexOp,
    CreateTableOp,
    CreateUniqueConstraintOp,
    DropColumnOp,
    DropTableOp,
)
from tests.autogenerate.harness import engine_options

Build = Callable[[sa.MetaData, str], None]


def _dialect(url: str) -> str:
    return sa.make_url(url).get_backend_name()


@pytest.fixture
def engine(database_url: str) -> Iterator[sa.Engine]:
    engine = sa.create_engine(database_url, **engine_options(database_url))
    yield engine
    engine.dispose()


def create(engine: sa.Engine, build: Build) -> sa.MetaData:
    metadata = sa.MetaData()
    build(metadata, engine.dialect.name)
    with engine.begin() as conn:
        metadata.create_all(conn)
    return metadata


def compare(engine: sa.Engine, metadata: sa.MetaData, **options: Any) -> Comparison:
    options.setdefault("compare_server_default", True)
    with engine.connect() as conn:
        return compare_metadata(conn, metadata, CompareOptions(**options))


def assert_in_sync(engine: sa.Engine, build: Build, **options: Any) -> None:
    metadata = create(engine, build)
    result = compare(engine, metadata, **options)
    assert result.messages == []
    assert result.upgrade_ops.is_empty(), result.upgrade_ops.ops
    assert result.warnings == []


# --- types -----------------------------------------------------------------------------------


def _types(metadata: sa.MetaData, dialect: str) -> None:
    class Tag(sa.TypeDecorator[str]):
        impl = sa.String(30)
        cache_ok = True

    sa.Table(
        "kinds",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(128)),
        sa.Column("unicode", sa.Unicode(40)),
        sa.Column("varchar", sa.VARCHAR(5)),
        sa.Column("char", sa.CHAR(3)),
        sa.Column("nchar", sa.NCHAR(5)),
        sa.Column("text", sa.Text),
        sa.Column("utext", sa.UnicodeText),
        sa.Column("flag", sa.Boolean),
        sa.Column("flag2", sa.BOOLEAN),
        sa.Column("small", sa.SmallInteger),
        sa.Column("number", sa.Integer),
        sa.Column("int_", sa.INT),
        sa.Column("big", sa.BigInteger),
        sa.Column("real", sa.Float),
        sa.Column("real24", sa.Float(precision=24)),
        sa.Column("dbl", sa.Double),
        sa.Column("real_", sa.REAL),
        sa.Column("dec", sa.Numeric),
        sa.Column("money", sa.Numeric(10, 2)),
        sa.Column("decimal", sa.DECIMAL(8, 3)),
        sa.Column("when", sa.DateTime),
        sa.Column("stamp", sa.TIMESTAMP),
        sa.Column("day", sa.Date),
        sa.Column("time", sa.Time),
        sa.Column("span", sa.Interval),
        sa.Column("data", sa.JSON),
        sa.Column("blob", sa.LargeBinary),
        sa.Column("uid", sa.Uuid),
        sa.Column("state", sa.Enum("new", "done", name="state")),
        sa.Column("plain_enum", sa.Enum("a", "b", name="plain", native_enum=False)),
        sa.Column("tag", Tag()),
        sa.Column("variant", sa.String(20).with_variant(sa.Text(), "mysql", "postgresql")),
    )
    if dialect != "mysql":
        sa.Table(
            "free",
            metadata,
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("anything", sa.String),
        )


def test_types_in_sync(engine: sa.Engine) -> None:
    assert_in_sync(engine, _types)


def test_types_in_sync_with_timezone(engine: sa.Engine) -> None:
    def build(metadata: sa.MetaData, dialect: str) -> None:
        sa.Table(
            "event",
            metadata,
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("at", sa.DateTime(timezone=True)),
            sa.Column("stamp", sa.TIMESTAMP(timezone=True)),
        )

    assert_in_sync(engine, build)


@pytest.mark.postgresql
def test_postgresql_array_and_native_types(postgresql_url: str) -> None:
    from sqlalchemy.dialects import postgresql as pg

    engine = sa.create_engine(postgresql_url, **engine_options(postgresql_url))

    def build(metadata: sa.MetaData, dialect: str) -> None:
        sa.Table(
            "pg",
            metadata,
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("tags", sa.ARRAY(sa.String(20))),
            sa.Column("doc", pg.JSONB),
            sa.Column("addr", pg.INET),
            sa.Column("ts", pg.TSVECTOR),
            sa.Column("serial", sa.BigInteger, sa.Identity()),
        )

    try:
        assert_in_sync(engine, build)
    finally:
        engine.dispose()


@pytest.mark.mysql
def test_mysql_native_types(mysql_url: str) -> None:
    from sqlalchemy.dialects import mysql

    engine = sa.create_engine(mysql_url, **engine_options(mysql_url))

    def build(metadata: sa.MetaData, dialect: str) -> None:
        sa.Table(
            "my",
            metadata,
            sa.Column("id", mysql.INTEGER(unsigned=True), primary_key=True),
            sa.Column("tiny", mysql.TINYINT),
            sa.Column("medium", mysql.MEDIUMTEXT),
            sa.Column("long", mysql.LONGTEXT),
            sa.Column("bits", mysql.BIT(4)),
            sa.Column("year", mysql.YEAR),
            sa.Column("set_", mysql.SET("x", "y")),
            sa.Column("enum", mysql.ENUM("a", "b")),
            sa.Column("bin", mysql.VARBINARY(16)),
            sa.Column("dt", mysql.DATETIME(fsp=6)),
        )

    try:
        assert_in_sync(engine, build)
    finally:
        engine.dispose()


# --- server defaults ------------------------------------------------------------------------


def _defaults(metadata: sa.MetaData, dialect: str) -> None:
    sa.Table(
        "defaults",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("status", sa.String(20), server_default="new"),
        sa.Column("quoted", sa.String(20), server_default=sa.text("'it''s'")),
        sa.Column("empty", sa.String(20), server_default=""),
        sa.Column("count", sa.Integer, server_default="0"),
        sa.Column("count_text", sa.Integer, server_default=sa.text("0")),
        sa.Column("negative", sa.Integer, server_default=sa.text("-1")),
        sa.Column("ratio", sa.Numeric(5, 2), server_default=sa.text("1.50")),
        sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("hidden", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("created", sa.DateTime, server_default=sa.func.now()),
        sa.Column("created2", sa.DateTime, server_default=sa.text("CURRENT_TIMESTAMP")),
        sa.Column("created3", sa.DateTime, server_default=sa.func.current_timestamp()),
        sa.Column("state", sa.Enum("a", "b", name="st"), server_default="a"),
        sa.Column("level", sa.Enum("l1", "l2", name="level2"), server_default="l2"),
        sa.Column("price", sa.Numeric(6, 2), server_default="1.5"),
        sa.Column("expr", sa.Integer, server_default=sa.text("(1 + 2)")),
    )


def test_server_defaults_in_sync(engine: sa.Engine) -> None:
    assert_in_sync(engine, _defaults)


@pytest.mark.parametrize(
    ("dialect", "column_sql", "model"),
    [
        pytest.param(
            "postgresql",
            "name VARCHAR(20) DEFAULT 'x'::character varying",
            sa.Column("name", sa.String(20), server_default="x"),
            id="pg-cast",
            marks=pytest.mark.postgresql,
        ),
        pytest.param(
            "postgresql",
            "name TEXT DEFAULT ('x'::text)",
            sa.Column("name", sa.Text, server_default="x"),
            id="pg-cast-parentheses",
            marks=pytest.mark.postgresql,
        ),
        pytest.param(
            "postgresql",
            "at TIMESTAMP DEFAULT CURRENT_TIMESTAMP",
            sa.Column("at", sa.DateTime, server_default=sa.func.now()),
            id="pg-current-timestamp-vs-now",
            marks=pytest.mark.postgresql,
        ),
        pytest.param(
            "postgresql",
            "at TIMESTAMP DEFAULT now()",
            sa.Column("at", sa.DateTime, server_default=sa.text("CURRENT_TIMESTAMP")),
            id="pg-now-vs-current-timestamp",
            marks=pytest.mark.postgresql,
        ),
        pytest.param(
            "postgresql",
            "n NUMERIC(5, 2) DEFAULT 1.5",
            sa.Column("n", sa.Numeric(5, 2), server_default="1.5"),
            id="pg-number-quoted",
            marks=pytest.mark.postgresql,
        ),
        pytest.param(
            "postgresql",
            "d DATE DEFAULT ('2020-01-01'::date)",
            sa.Column("d", sa.Date, server_default="2020-01-01"),
            id="pg-date-cast",
            marks=pytest.mark.postgresql,
        ),
        pytest.param(
            "sqlite",
            "name VARCHAR(20) DEFAULT ('x')",
            sa.Column("name", sa.String(20), server_default="x"),
            id="sqlite-parentheses",
            marks=pytest.mark.sqlite,
        ),
        pytest.param(
            "sqlite",
            "at DATETIME DEFAULT (CURRENT_TIMESTAMP)",
            sa.Column("at", sa.DateTime, server_default=sa.func.now()),
            id="sqlite-current-timestamp",
            marks=pytest.mark.sqlite,
        ),
        pytest.param(
            "sqlite",
            "n INTEGER DEFAULT (0)",
            sa.Column("n", sa.Integer, server_default="0"),
            id="sqlite-number-parentheses",
            marks=pytest.mark.sqlite,
        ),
        pytest.param(
            "sqlite",
            "flag BOOLEAN DEFAULT 1",
            sa.Column("flag", sa.Boolean, server_default=sa.true()),
            id="sqlite-boolean",
            marks=pytest.mark.sqlite,
        ),
        pytest.param(
            "mysql",
            "at DATETIME DEFAULT CURRENT_TIMESTAMP",
            sa.Column("at", sa.DateTime, server_default=sa.func.now()),
            id="mysql-current-timestamp",
            marks=pytest.mark.mysql,
        ),
        pytest.param(
            "mysql",
            "flag TINYINT(1) DEFAULT 1",
            sa.Column("flag", sa.Boolean, server_default=sa.true()),
            id="mysql-boolean",
            marks=pytest.mark.mysql,
        ),
        pytest.param(
            "postgresql",
            "at TIMESTAMPTZ DEFAULT (now() AT TIME ZONE 'utc')",
            sa.Column(
                "at", sa.DateTime(timezone=True), server_default=sa.text("now() at time zone 'utc'")
            ),
            id="pg-expression-with-cast-inside",
            marks=pytest.mark.postgresql,
        ),
        pytest.param(
            "mysql",
            "at TIMESTAMP NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP",
            sa.Column(
                "at",
                sa.TIMESTAMP,
                server_default=sa.text("CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP"),
            ),
            id="mysql-on-update",
            marks=pytest.mark.mysql,
        ),
        pytest.param(
            "mysql",
            "n DECIMAL(6, 2) DEFAULT 1.5",
            sa.Column("n", sa.Numeric(6, 2), server_default="1.5"),
            id="mysql-decimal-trailing-zero",
            marks=pytest.mark.mysql,
        ),
        pytest.param(
            "mysql",
            "n INT DEFAULT '3'",
            sa.Column("n", sa.Integer, server_default=sa.text("3")),
            id="mysql-number-quoted",
            marks=pytest.mark.mysql,
        ),
    ],
)
def test_server_default_spellings(
    request: pytest.FixtureRequest, dialect: str, column_sql: str, model: sa.Column[Any]
) -> None:
    url = str(request.getfixturevalue(f"{dialect}_url"))
    engine = sa.create_engine(url, **engine_options(url))
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql(f"CREATE TABLE thing (id INTEGER PRIMARY KEY, {column_sql})")
        metadata = sa.MetaData()
        sa.Table("thing", metadata, sa.Column("id", sa.Integer, primary_key=True), model)
        result = compare(engine, metadata)
        assert result.messages == []
    finally:
        engine.dispose()


def _changed_defaults(old: bool) -> Build:
    def build(metadata: sa.MetaData, dialect: str) -> None:
        def pick(before: Any, after: Any) -> Any:
            return before if old else after

        sa.Table(
            "defaults",
            metadata,
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("word", sa.String(20), server_default=pick("a", "b")),
            sa.Column("count", sa.Integer, server_default=pick("0", "1")),
            sa.Column("price", sa.Numeric(6, 2), server_default=pick("1.5", "1.05")),
            sa.Column("flag", sa.Boolean, server_default=pick(sa.true(), sa.false())),
            sa.Column("at", sa.DateTime, server_default=pick(sa.func.now(), None)),
            sa.Column("note", sa.String(20), server_default=pick(None, "none")),
            sa.Column("quoted", sa.String(20), server_default=pick("0", "'0'")),
            sa.Column("untouched", sa.String(20), server_default="same"),
        )

    return build


def test_changed_server_defaults_are_found(engine: sa.Engine) -> None:
    create(engine, _changed_defaults(old=True))
    metadata = sa.MetaData()
    _changed_defaults(old=False)(metadata, engine.dialect.name)
    result = compare(engine, metadata)
    assert result.messages == [
        f"Detected server default on column 'defaults.{name}'"
        for name in ("word", "count", "price", "flag", "at", "note", "quoted")
    ]
    assert compare(engine, metadata, compare_server_default=False).messages == []


# --- keys, indexes, constraints ------------------------------------------------------------


def _constraints(metadata: sa.MetaData, dialect: str) -> None:
    sa.Table(
        "author",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("email", sa.String(120), unique=True),
        sa.Column("name", sa.String(80), index=True),
        sa.Column("code", sa.String(10), unique=True, index=True),
        sa.Column("first", sa.String(20)),
        sa.Column("last", sa.String(20)),
        sa.UniqueConstraint("first", "last"),
        sa.UniqueConstraint("last", "email", name="uq_author_last_email"),
        sa.CheckConstraint("length(first) > 0", name="ck_author_first"),
        sa.Index("ix_author_full", "last", "first"),
        sa.Index("ux_author_name_code", "name", "code", unique=True),
    )
    sa.Table(
        "book",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("author_id", sa.Integer, sa.ForeignKey("author.id"), nullable=False),
        sa.Column(
            "editor_id", sa.Integer, sa.ForeignKey("author.id", ondelete="SET NULL"), index=True
        ),
        sa.Column(
            "reviewer_id",
            sa.Integer,
            sa.ForeignKey("author.id", name="fk_book_reviewer", onupdate="CASCADE"),
        ),
        sa.Column("parent_id", sa.Integer, sa.ForeignKey("book.id", ondelete="CASCADE")),
        sa.Column("title", sa.String(200), nullable=False),
    )
    sa.Table(
        "pair",
        metadata,
        sa.Column("a", sa.Integer, primary_key=True),
        sa.Column("b", sa.Integer, primary_key=True),
        sa.Column("note", sa.Text, comment="a note" if dialect != "sqlite" else None),
        comment="pairs" if dialect != "sqlite" else None,
    )
    sa.Table(
        "pair_ref",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("a", sa.Integer),
        sa.Column("b", sa.Integer),
        sa.ForeignKeyConstraint(["a", "b"], ["pair.a", "pair.b"], ondelete="RESTRICT"),
    )


def test_constraints_and_indexes_in_sync(engine: sa.Engine) -> None:
    assert_in_sync(engine, _constraints)


def test_naming_convention_in_sync(engine: sa.Engine) -> None:
    def build(metadata: sa.MetaData, dialect: str) -> None:
        metadata.naming_convention = {
            "ix": "ix_%(column_0_label)s",
            "uq": "uq_%(table_name)s_%(column_0_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
        _constraints(metadata, dialect)
        sa.Table(
            "flagged",
            metadata,
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("on", sa.Boolean(create_constraint=True, name="on")),
            sa.Column("kind", sa.Enum("x", "y", name="kind", create_constraint=True)),
            sa.Column("qty", sa.Integer),
            sa.CheckConstraint("qty > 0", name="positive"),
        )

    assert_in_sync(engine, build)


@pytest.mark.mysql
def test_mysql_foreign_key_indexes_are_not_changes(mysql_url: str) -> None:
    # MariaDB creates an index for each foreign key (named after the constraint).
    engine = sa.create_engine(mysql_url, **engine_options(mysql_url))

    def build(metadata: sa.MetaData, dialect: str) -> None:
        sa.Table("org", metadata, sa.Column("id", sa.Integer, primary_key=True))
        sa.Table(
            "member",
            metadata,
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("org_id", sa.Integer, sa.ForeignKey("org.id")),
            sa.Column("boss_id", sa.Integer, sa.ForeignKey("member.id", name="fk_boss")),
        )

    try:
        metadata = create(engine, build)
        with engine.connect() as conn:
            indexes = {ix["name"] for ix in sa.inspect(conn).get_indexes("member")}
        assert indexes  # the database made them
        assert compare(engine, metadata).messages == []
    finally:
        engine.dispose()


def test_version_table_is_never_compared(engine: sa.Engine) -> None:
    metadata = create(engine, _constraints)
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL, "
            "CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num))"
        )
    assert compare(engine, metadata).messages == []
    # A custom version table name is skipped in its place.
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE my_versions (version_num VARCHAR(32) NOT NULL)")
    result = compare(engine, metadata, version_table="my_versions")
    assert result.messages == ["Detected removed table 'alembic_version'"]


def test_expression_index_in_sync(request: pytest.FixtureRequest, database_url: str) -> None:
    engine = sa.create_engine(database_url, **engine_options(database_url))
    if engine.dialect.name == "mysql":
        engine.dispose()
        pytest.skip("MariaDB has no expression indexes")

    def build(metadata: sa.MetaData, dialect: str) -> None:
        table = sa.Table(
            "person",
            metadata,
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("name", sa.String(50)),
        )
        sa.Index("ix_person_lower_name", sa.func.lower(table.c.name))

    try:
        assert_in_sync(engine, build)
    finally:
        engine.dispose()


# --- hooks see the objects Alembic gives them -------------------------------------------------


@pytest.mark.sqlite
def test_hooks_get_reflected_objects_attached_to_their_table(sqlite_url: str) -> None:
    engine = sa.create_engine(sqlite_url)
    seen: list[tuple[str, str | None, bool, str, str | None]] = []

    def include_object(obj: Any, name: str | None, type_: str, reflected: bool, other: Any) -> bool:
        table = obj.table.name if type_ != "table" else obj.name
        other_table = None if other is None else other.table.name
        seen.append((type_, name, reflected, table, other_table))
        return True

    def before(metadata: sa.MetaData, dialect: str) -> None:
        sa.Table(
            "account",
            metadata,
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("old", sa.String(20)),
            sa.Column("email", sa.String(20)),
            sa.Column("org_id", sa.Integer, sa.ForeignKey("account.id", name="fk_old")),
            sa.Index("ix_old", "old"),
            sa.UniqueConstraint("email", name="uq_old"),
            sa.CheckConstraint("id > 0", name="ck_old"),
        )

    def after(metadata: sa.MetaData, dialect: str) -> None:
        sa.Table(
            "account",
            metadata,
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("email", sa.String(40)),
            sa.Column("org_id", sa.Integer),
        )

    try:
        create(engine, before)
        metadata = sa.MetaData()
        after(metadata, "sqlite")
        compare_types: list[tuple[str, str]] = []

        def compare_type(context: Any, theirs: Any, ours: Any, *types: Any) -> None:
            compare_types.append((theirs.table.name, ours.table.name))

        result = compare(engine, metadata, include_object=include_object, compare_type=compare_type)
    finally:
        engine.dispose()
    assert ("column", "old", True, "account", None) in seen
    assert ("column", "email", False, "account", "account") in seen
    assert ("index", "ix_old", True, "account", None) in seen
    assert ("unique_constraint", "uq_old", True, "account", None) in seen
    assert ("foreign_key_constraint", "fk_old", True, "account", None) in seen
    assert ("check_constraint", "ck_old", True, "account", None) in seen
    assert ("account", "account") in compare_types
    assert "Detected removed column 'account.old'" in result.messages


# --- the downgrade directives ----------------------------------------------------------------


def test_reverse_drops_a_created_table_with_its_indexes() -> None:
    columns = (sa.Column("id", sa.Integer, primary_key=True), sa.Column("a", sa.Integer))
    create = CreateTableOp("t", columns)
    indexes = ModifyTableOps("t", [CreateIndexOp("ix_t_a", "t", ("a",))])
    more = ModifyTableOps(
        "t",
        [
            AddColumnOp("t", sa.Column("b", sa.Integer)),
            CreateIndexOp("ix_t_b", "t", ("b",)),
        ],
    )
    downgrade = UpgradeOps([create, indexes, more]).reverse()
    assert [type(op).__name__ for op in downgrade.ops] == ["ModifyTableOps", "DropTableOp"]
    first = downgrade.ops[0]
    assert isinstance(first, ModifyTableOps)
    assert [type(op).__name__ for op in first.ops] == ["DropIndexOp", "DropColumnOp"]


def test_reverse_creates_a_dropped_table_again_with_its_indexes() -> None:
    columns = (sa.Column("id", sa.Integer, primary_key=True), sa.Column("a", sa.Integer))
    index = CreateIndexOp("ix_t_a", "t", ("a",))
    upgrade = UpgradeOps([DropTableOp("t", columns=columns)])
    upgrade.dropped_table_indexes[(None, "t")] = [index]
    downgrade = upgrade.reverse()
    assert isinstance(downgrade.ops[0], CreateTableOp)
    assert downgrade.ops[1] == ModifyTableOps("t", [index])


def test_reverse_runs_the_restore_operations_last() -> None:
    unique = CreateUniqueConstraintOp(None, "t", ("a",))
    column = sa.Column("a", sa.Integer)
    changes = ModifyTableOps(
        "t", [DropColumnOp("t", "a", existing_column=column)], restore=[unique]
    )
    undo = changes.reverse()
    assert undo.ops == [AddColumnOp("t", column), unique]
    assert undo.restore == []


def test_enum_type_directives_reverse() -> None:
    create = EnumTypeOp("create", "mood", ("calm", "busy"))
    assert create.reverse() == EnumTypeOp("drop", "mood", ("calm", "busy"))
    assert EnumTypeOp("add_values", "mood", ("x",)).reverse().action == "keep_values"


@pytest.mark.postgresql
def test_postgresql_enum_values_the_models_drop_are_a_warning(postgresql_url: str) -> None:
    engine = sa.create_engine(postgresql_url, **engine_options(postgresql_url))

    def build(values: tuple[str, ...]) -> Build:
        def models(metadata: sa.MetaData, dialect: str) -> None:
            sa.Table(
                "ticket",
                metadata,
                sa.Column("id", sa.Integer, primary_key=True),
                sa.Column("state", sa.Enum(*values, name="ticket_state")),
            )

        return models

    try:
        create(engine, build(("open", "closed", "stale")))
        metadata = sa.MetaData()
        build(("open", "closed", "archived"))(metadata, "postgresql")
        result = compare(engine, metadata)
    finally:
        engine.dispose()
    assert result.messages == [
        "Detected changed values of enum type 'ticket_state': "
        "['open', 'closed', 'stale'] to ['open', 'closed', 'archived']"
    ]
    assert result.upgrade_ops.ops == [
        EnumTypeOp(
            "recreate",
            "ticket_state",
            ("open", "closed", "archived"),
            previous=("open", "closed", "stale"),
            columns=(EnumColumn("ticket", "state"),),
            autocommit=False,
        )
    ]
    assert result.warnings == [
        "Enum type 'ticket_state' loses values ['stale']; no row holds them now. The upgrade "
        "makes the type again and stops if a row holds one of them by then."
    ]


# --- schemas (PostgreSQL) --------------------------------------------------------------------


@pytest.mark.postgresql
def test_postgresql_schemas(postgresql_url: str) -> None:
    engine = sa.create_engine(postgresql_url, **engine_options(postgresql_url))

    def build(metadata: sa.MetaData, dialect: str) -> None:
        sa.Table(
            "report",
            metadata,
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("kind", sa.Enum("a", "b", name="report_kind", schema="fml_reports")),
            schema="fml_reports",
        )
        sa.Table(
            "reader",
            metadata,
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("report_id", sa.Integer, sa.ForeignKey("fml_reports.report.id")),
            sa.Index("ix_reader_report_id", "report_id"),
            schema="public",
        )

    try:
        with engine.begin() as conn:
            conn.exec_driver_sql("CREATE SCHEMA fml_reports")
            conn.exec_driver_sql("CREATE SCHEMA fml_other")
            conn.exec_driver_sql("CREATE TABLE fml_other.stray (id INTEGER PRIMARY KEY)")
        metadata = create(engine, build)
        # The models' schemas are compared; others only with include_schemas.
        assert compare(engine, metadata).messages == []
        assert compare(engine, metadata, include_schemas=True).messages == [
            "Detected removed table 'fml_other.stray'"
        ]

        def not_other(name: str | None, type_: str, parents: dict[str, Any]) -> bool:
            return not (type_ == "schema" and name == "fml_other")

        assert (
            compare(engine, metadata, include_schemas=True, include_name=not_other).messages == []
        )
        # A schema the models name that the database does not have yet.
        sa.Table(
            "future", metadata, sa.Column("id", sa.Integer, primary_key=True), schema="fml_new"
        )
        assert compare(engine, metadata).messages == ["Detected added table 'fml_new.future'"]
    finally:
        engine.dispose()


@pytest.mark.postgresql
def test_postgresql_schemas_named_like_other_databases_system_schemas(postgresql_url: str) -> None:
    # "sys" and "mysql" are MySQL's own schemas, not PostgreSQL's: with include_schemas, a
    # PostgreSQL schema of that name is the user's and is compared.
    engine = sa.create_engine(postgresql_url, **engine_options(postgresql_url))
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql("CREATE SCHEMA sys")
            conn.exec_driver_sql("CREATE TABLE sys.stray (id INTEGER PRIMARY KEY)")
        result = compare(engine, sa.MetaData(), include_schemas=True)
        assert result.messages == ["Detected removed table 'sys.stray'"]
    finally:
        with engine.begin() as conn:
            conn.exec_driver_sql("DROP SCHEMA IF EXISTS sys CASCADE")
        engine.dispose()


@pytest.mark.postgresql
def test_postgresql_new_enum_types(postgresql_url: str) -> None:
    engine = sa.create_engine(postgresql_url, **engine_options(postgresql_url))

    def before(metadata: sa.MetaData, dialect: str) -> None:
        sa.Table("person", metadata, sa.Column("id", sa.Integer, primary_key=True))

    try:
        create(engine, before)
        metadata = sa.MetaData()
        sa.Table(
            "person",
            metadata,
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("mood", sa.Enum("calm", "busy", name="mood")),
        )
        sa.Table(
            "ticket",
            metadata,
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("state", sa.Enum("open", "closed", name="ticket_state")),
        )
        result = compare(engine, metadata)
    finally:
        engine.dispose()
    upgrade = result.upgrade_ops
    # A new column's type is created first; a new table creates its own (as with Alembic).
    assert upgrade.ops[0] == EnumTypeOp("create", "mood", ("calm", "busy"))
    assert isinstance(upgrade.ops[1], CreateTableOp)
    assert upgrade.implicit_enum_types == [EnumTypeOp("create", "ticket_state", ("open", "closed"))]
    downgrade = upgrade.reverse().ops
    assert downgrade[-2:] == [
        EnumTypeOp("drop", "mood", ("calm", "busy")),
        EnumTypeOp("drop", "ticket_state", ("open", "closed")),
    ]
    assert isinstance(downgrade[-3], DropTableOp)


def test_generated_values_are_not_server_default_changes(engine: sa.Engine) -> None:
    def build(metadata: sa.MetaData, dialect: str) -> None:
        sa.Table(
            "stamped",
            metadata,
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("price", sa.Integer),
            sa.Column("doubled", sa.Integer, sa.Computed("price * 2", persisted=True)),
            sa.Column("touched", sa.String(20), server_default="never"),
        )

    metadata = create(engine, build)
    # The models say only that the database fills "touched" (a trigger, say).
    metadata.tables["stamped"].c.touched.server_default = sa.FetchedValue()
    assert compare(engine, metadata).messages == []


@pytest.mark.sqlite
def test_unnamed_sqlite_constraints_are_dropped_through_a_naming_convention(
    sqlite_url: str,
) -> None:
    engine = sa.create_engine(sqlite_url)

    def before(metadata: sa.MetaData, dialect: str) -> None:
        sa.Table("org", metadata, sa.Column("id", sa.Integer, primary_key=True))
        sa.Table(
            "person",
            metadata,
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("org_id", sa.Integer, sa.ForeignKey("org.id")),
            sa.Column("email", sa.String(20), unique=True),
        )

    try:
        create(engine, before)
        metadata = sa.MetaData()
        sa.Table("org", metadata, sa.Column("id", sa.Integer, primary_key=True))
        sa.Table(
            "person",
            metadata,
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("org_id", sa.Integer),
            sa.Column("email", sa.String(20)),
        )
        result = compare(engine, metadata)
    finally:
        engine.dispose()
    assert result.messages == [
        "Detected removed unique constraint 'None' on '['email']'",
        "Detected removed foreign key (org_id)(id) on table person",
    ]
    assert result.warnings == []
    changes: Any  # the table's ModifyTableOps; its ops are of several kinds
    [changes] = [op for op in result.upgrade_ops.ops if getattr(op, "table_name", "") == "person"]
    assert changes.naming_convention == {
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    }
    assert sorted((op.constraint_name, op.type_) for op in changes.ops) == [
        ("fk_person_org_id_org", "foreignkey"),
        ("uq_person_email", "unique"),
    ]
    # The downgrade creates them unnamed again, as they were.
    assert changes.reverse().naming_convention == {}
