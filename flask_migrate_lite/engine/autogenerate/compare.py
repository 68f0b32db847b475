"""Compare the models' MetaData with the live database and produce the operations between.

The database is read in bulk with the inspector's multi-table methods, for the tables that
matter only (the models' tables and the database's other tables, never the version table or
tables a hook excludes). The result is :class:`~.directives.UpgradeOps`; its reverse is the
downgrade. Messages follow Alembic's wording, one per change.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    Column,
    ForeignKeyConstraint,
    Index,
    MetaData,
    PrimaryKeyConstraint,
    Table,
    UniqueConstraint,
    exc,
    inspect,
    text,
)
from sqlalchemy import types as sqltypes
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.engine.default import DefaultDialect
from sqlalchemy.engine.interfaces import (
    ReflectedCheckConstraint,
    ReflectedColumn,
    ReflectedForeignKeyConstraint,
    ReflectedIndex,
    ReflectedPrimaryKeyConstraint,
    ReflectedUniqueConstraint,
)
from sqlalchemy.schema import DefaultClause, SchemaItem
from sqlalchemy.sql.elements import TextClause, conv

from ..ddl import impl_for
from ..operations.ops import (
    AddColumnOp,
    AlterColumnOp,
    CreateCheckConstraintOp,
    CreateForeignKeyOp,
    CreateIndexOp,
    CreateTableCommentOp,
    CreateTableOp,
    CreateUniqueConstraintOp,
    DropColumnOp,
    DropConstraintOp,
    DropIndexOp,
    DropTableCommentOp,
    DropTableOp,
    IndexColumn,
)
from .defaults import model_default_text, normalise_default
from .directives import Directive, EnumTypeOp, ModifyTableOps, TableOp, UpgradeOps
from .keys import compare_primary_key, creation_order, nullability_compared
from .reflect import sqlite as sqlite_reflect
from .reflect.facts import TableFacts
from .types import types_differ

__all__ = ["CompareOptions", "Comparison", "compare_metadata"]

# SQLite's reflection skips indexes on expressions, with this warning naming the index.
_UNREFLECTED_INDEX = re.compile(r"Skipped unsupported reflection of expression-based index (\S+)")


@dataclass
class CompareOptions:
    """What to compare, and the hooks of ``Migrate(...)`` / ``@migrate.configure``."""

    compare_type: bool | Callable[..., bool | None] = True
    compare_server_default: bool | Callable[..., bool | None] = False
    include_object: Callable[..., bool] | None = None
    include_name: Callable[..., bool] | None = None
    include_schemas: bool = False
    version_table: str = "alembic_version"
    version_table_schema: str | None = None


@dataclass
class Comparison:
    """The operations found, and what to tell the user about them."""

    upgrade_ops: UpgradeOps
    messages: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


@dataclass
class _Reflected:
    """One database table, as the inspector gave it."""

    schema: str | None
    name: str
    columns: list[ReflectedColumn]
    pk: ReflectedPrimaryKeyConstraint
    fks: list[ReflectedForeignKeyConstraint]
    indexes: list[ReflectedIndex]
    uniques: list[ReflectedUniqueConstraint]
    checks: list[ReflectedCheckConstraint]
    comment: str | None


def _reflected(
    schema: str | None, names: Sequence[str], facts: TableFacts
) -> dict[str, _Reflected]:
    result = {}
    for name in names:
        key = (schema, name)
        pk: ReflectedPrimaryKeyConstraint | None = facts.pks.get(key)
        if not pk:
            pk = {"name": None, "constrained_columns": []}
        result[name] = _Reflected(
            schema=schema,
            name=name,
            columns=list(facts.columns.get(key, [])),
            pk=pk,
            fks=list(facts.fks.get(key, [])),
            indexes=list(facts.indexes.get(key, [])),
            uniques=list(facts.uniques.get(key, [])),
            checks=list(facts.checks.get(key, [])),
            comment=(facts.comments.get(key) or {}).get("text"),
        )
    return result


def _label(schema: str | None, name: str) -> str:
    return f"{schema}.{name}" if schema else name


class _Comparer:
    def __init__(
        self, connection: Connection, metadatas: Sequence[MetaData], options: CompareOptions
    ) -> None:
        self.connection = connection
        self.dialect: Dialect = connection.dialect
        #: What this database's catalog reports, and which differences are none.
        self.rules = impl_for(self.dialect, connection)
        self.options = options
        self.inspector = inspect(connection)
        self.default_schema = self.inspector.default_schema_name
        self.metadatas = metadatas
        self._reflected_tables: dict[tuple[str | None, str], Table] = {}
        self._conventions: dict[tuple[str | None, str], dict[str, str]] = {}
        self._schema_names: set[str] | None = None
        #: Indexes that exist but that reflection could not describe: (schema, name).
        self.unreflected_indexes: set[tuple[str | None, str]] = set()
        self.result = Comparison(UpgradeOps())
        self.context = SimpleNamespace(
            connection=connection, dialect=self.dialect, bind=connection, opts=options
        )

    # -- hooks ---------------------------------------------------------------------------

    def _schema(self, schema: str | None) -> str | None:
        return None if schema == self.default_schema else schema

    def _name_ok(self, name: str | None, type_: str, parents: dict[str, str | None]) -> bool:
        hook = self.options.include_name
        return True if hook is None else bool(hook(name, type_, parents))

    def _object_ok(
        self, obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any
    ) -> bool:
        hook = self.options.include_object
        return True if hook is None else bool(hook(obj, name, type_, reflected, compare_to))

    @staticmethod
    def _parents(schema: str | None, table: str | None = None) -> dict[str, str | None]:
        parents: dict[str, str | None] = {"schema_name": schema}
        if table is not None:
            parents["table_name"] = table
            parents["schema_qualified_table_name"] = _label(schema, table)
        return parents

    # -- reading ---------------------------------------------------------------------------

    def _model_tables(self) -> dict[tuple[str | None, str], Table]:
        tables: dict[tuple[str | None, str], Table] = {}
        for metadata in self.metadatas:
            for table in metadata.tables.values():
                key = (self._schema(table.schema), table.name)
                tables[key] = table
        return tables

    def _schemas(self, model: Iterable[tuple[str | None, str]]) -> list[str | None]:
        schemas: set[str | None] = {None}
        schemas.update(schema for schema, _ in model)
        if self.options.include_schemas:
            for name in sorted(self._existing_schemas()):
                if self.rules.is_system_schema(name):
                    continue
                if name == self.default_schema:
                    continue
                if self._name_ok(name, "schema", {}):
                    schemas.add(name)
        return sorted(schemas, key=lambda s: (s is not None, s or ""))

    def _db_table_names(self, schema: str | None) -> set[str]:
        if schema is not None and schema not in self._existing_schemas():
            return set()  # a schema the models name that does not exist yet
        names = self.inspector.get_table_names(schema=schema)
        version_schema = self._schema(self.options.version_table_schema)
        result = set()
        for name in names:
            if name == self.options.version_table and schema == version_schema:
                continue
            if self._name_ok(name, "table", self._parents(schema)):
                result.add(name)
        return result

    def _existing_schemas(self) -> set[str]:
        if self._schema_names is None:
            self._schema_names = set(self.inspector.get_schema_names())
        return self._schema_names

    def _reflect(self, schema: str | None, names: Sequence[str]) -> dict[str, _Reflected]:
        if not names:
            return {}
        if schema is None and self.dialect.name == "postgresql":
            # Imported here: it loads SQLAlchemy's PostgreSQL types.
            from .reflect import postgresql as pg_reflect

            if pg_reflect.supported(self.connection):
                # The catalog read directly; what it does not describe goes to the inspector.
                bulk = pg_reflect.read_pg_tables(self.connection, names)
                result = _reflected(None, [n for n in names if n not in bulk.others], bulk)
                result.update(self._inspect(schema, sorted(bulk.others)))
                return result
        return self._inspect(schema, names)

    def _inspect(self, schema: str | None, names: Sequence[str]) -> dict[str, _Reflected]:
        if not names:
            return {}
        insp = self.inspector
        kw: dict[str, Any] = {"schema": schema, "filter_names": list(names)}
        # SQLite answers each kind of question table by table; its CREATE TABLE text says
        # which tables can have foreign keys, unique or check constraints at all.
        ddl = self._sqlite_ddl(schema)
        having = None if ddl is None else _tables_having(ddl, names)

        def only(word: str) -> dict[str, Any]:
            if having is None:
                return kw
            return {"schema": schema, "filter_names": sorted(having[word])}

        columns: dict[Any, Any] = {}
        pks: dict[Any, Any] = {}
        fks: dict[Any, Any] = {}
        rest = list(names)
        if ddl is not None and schema is None and sqlite_reflect.bulk_supported(self.connection):
            # Columns and keys of every table in two queries; the inspector reads the rest.
            bulk = sqlite_reflect.sqlite_tables(self.connection, names, ddl)
            columns, pks, fks = bulk.columns, bulk.pks, bulk.fks
            rest = sorted(bulk.others)
        if rest:
            some: dict[str, Any] = {"schema": schema, "filter_names": rest}
            columns.update(insp.get_multi_columns(**some))
            pks.update(insp.get_multi_pk_constraint(**some))
            referring = rest if having is None else sorted(having["REFERENCES"] & set(rest))
            if referring:
                fks.update(insp.get_multi_foreign_keys(schema=schema, filter_names=referring))
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", exc.SAWarning)
            indexes: Mapping[Any, list[Any]]
            if having is not None and schema is None:
                # One query for every table's indexes instead of two PRAGMAs per table.
                indexes, expression = sqlite_reflect.sqlite_indexes(self.connection, names)
                self.unreflected_indexes.update((schema, name) for name in expression)
            else:
                indexes = insp.get_multi_indexes(**kw)
            uniques = (
                insp.get_multi_unique_constraints(**only("UNIQUE"))
                if _wanted(having, "UNIQUE")
                else {}
            )
        for warning in caught:
            found = _UNREFLECTED_INDEX.search(str(warning.message))
            if found is None:
                warnings.warn_explicit(
                    warning.message, warning.category, warning.filename, warning.lineno
                )
            else:
                self.unreflected_indexes.add((schema, found[1]))
        try:
            checks = (
                insp.get_multi_check_constraints(**only("CHECK"))
                if _wanted(having, "CHECK")
                else {}
            )
        except NotImplementedError:
            checks = {}
        comments: dict[Any, Any] = {}
        if self.dialect.supports_comments:
            comments = insp.get_multi_table_comment(**kw)
        facts = TableFacts(
            columns=dict(columns),
            pks=dict(pks),
            fks=dict(fks),
            indexes=dict(indexes),
            uniques=dict(uniques),
            checks=dict(checks),
            comments=comments,
        )
        return _reflected(schema, names, facts)

    # -- the comparison --------------------------------------------------------------------

    def run(self) -> Comparison:
        model = self._model_tables()
        directives: list[Directive] = []
        created: list[Table] = []
        removed: list[_Reflected] = []
        modified: list[ModifyTableOps] = []
        compared: list[Table] = []
        for schema in self._schemas(model):
            in_db = self._db_table_names(schema)
            wanted: dict[str, Table] = {}
            for (table_schema, name), table in model.items():
                if table_schema != schema:
                    continue
                if not self._name_ok(name, "table", self._parents(schema)):
                    continue
                if not self._object_ok(table, name, "table", False, None):
                    continue
                wanted[name] = table
            may_remove = schema is None or self.options.include_schemas
            gone = sorted(in_db - set(wanted)) if may_remove else []
            common = sorted(set(wanted) & in_db)
            reflected = self._reflect(schema, gone + common)
            for name in sorted(set(wanted) - in_db):
                created.append(wanted[name])
            for name in gone:
                table = self._reflected_table(reflected[name])
                if self._object_ok(table, name, "table", True, None):
                    removed.append(reflected[name])
            compared.extend(wanted[name] for name in sorted(wanted))
            for name in common:
                changes = self._compare_table(wanted[name], reflected[name])
                if not changes.is_empty():
                    modified.append(changes)
        directives.extend(self._enum_directives(compared, created))
        order, deferred = creation_order(created, defer_use_alter=self.dialect.supports_alter)
        for table in order:
            self.result.messages.append(
                f"Detected added table '{_label(table.schema, table.name)}'"
            )
            directives.extend(self._create_table(table, deferred))
        for constraint in deferred:
            directives.append(self._deferred_foreign_key(constraint))
        directives.extend(modified)
        for item in reversed(_reflected_order(removed)):
            label = _label(item.schema, item.name)
            self.result.messages.append(f"Detected removed table '{label}'")
            self.result.warnings.append(
                f"The migration drops table '{label}' and every row in it (destructive); "
                "check that this is not a rename before you upgrade."
            )
            directives.extend(self._drop_table(item))
        self.result.upgrade_ops.ops = directives
        return self.result

    # -- whole tables --------------------------------------------------------------------------

    def _create_table(
        self, table: Table, deferred: Sequence[ForeignKeyConstraint] = ()
    ) -> list[Directive]:
        schema = self._schema(table.schema)
        items: list[SchemaItem] = [_copy_column(column) for column in table.columns]
        items.extend(_table_constraints(table, self.dialect, skip=deferred))
        kw = dict(table.dialect_kwargs)
        if table.comment is not None:
            kw["comment"] = table.comment
        out: list[Directive] = [CreateTableOp(table.name, tuple(items), schema, kw=kw)]
        index_ops: list[TableOp] = []
        for index in sorted(table.indexes, key=lambda ix: ix.name or ""):
            if self._object_ok(index, index.name, "index", False, None):
                self.result.messages.append(_added_index_message(index))
                index_ops.append(_create_index_op(index, table.name, schema))
        if index_ops:
            out.append(ModifyTableOps(table.name, index_ops, schema))
        return out

    def _deferred_foreign_key(self, constraint: ForeignKeyConstraint) -> ModifyTableOps:
        """The foreign key of a new table that closes a cycle, added once both tables exist."""
        table = constraint.table
        schema = self._schema(table.schema)
        return ModifyTableOps(table.name, [self._create_fk_op(constraint, schema)], schema)

    def _create_fk_op(
        self, constraint: ForeignKeyConstraint, schema: str | None
    ) -> CreateForeignKeyOp:
        """``create_foreign_key`` for a model's key; an unnamed key gets a final name."""
        table = constraint.table
        local, ref_schema, ref_table, remote = self._fk_signature_model(constraint)[:4]
        given = _name(constraint, self.dialect) or f"fk_{table.name}_{'_'.join(local)}_{ref_table}"
        return CreateForeignKeyOp(
            _final(constraint, given, self.dialect),
            table.name,
            ref_table,
            local,
            remote,
            onupdate=constraint.onupdate,
            ondelete=constraint.ondelete,
            deferrable=constraint.deferrable,
            initially=constraint.initially,
            source_schema=schema,
            referent_schema=ref_schema,
        )

    def _by_convention(self, schema: str | None, table_name: str, kind: str, name: str) -> str:
        """``name``, which the table's batch gives an unnamed constraint by convention."""
        convention = self.rules.unnamed_constraint_convention or {}
        self._conventions.setdefault((schema, table_name), {})[kind] = convention[kind]
        return name

    def _sqlite_ddl(self, schema: str | None) -> dict[str, str] | None:
        """On SQLite, each table's CREATE TABLE text; ``None`` on other databases."""
        if self.dialect.name != "sqlite":
            return None
        prefix = self.dialect.identifier_preparer.quote_schema(schema) + "." if schema else ""
        rows = self.connection.exec_driver_sql(
            f"SELECT name, sql FROM {prefix}sqlite_master WHERE type = 'table'"
        )
        return {str(name): str(sql or "") for name, sql in rows}

    def _hooks_see_objects(self) -> bool:
        """Whether a hook will be handed reflected objects (so they must be built)."""
        options = self.options
        return (
            options.include_object is not None
            or callable(options.compare_type)
            or callable(options.compare_server_default)
        )

    def _reflected_table(self, item: _Reflected) -> Table:
        """The database's table as a :class:`~sqlalchemy.Table` (made once per table).

        Hooks get its columns, indexes and constraints as the reflected objects, as they
        would from Alembic.
        """
        key = (item.schema, item.name)
        table = self._reflected_tables.get(key)
        if table is None:
            table = self._reflected_tables[key] = self._make_reflected_table(item)
        return table

    def _reflected_object(
        self, item: _Reflected, kind: type[Any], name: str | None, columns: Sequence[str | None]
    ) -> Any:
        """The reflected index or constraint of that kind, by name, else by columns."""
        if self.options.include_object is None:
            return None  # only hooks look at reflected objects; building them costs time
        table = self._reflected_table(item)
        candidates = table.indexes if kind is Index else table.constraints
        found = [c for c in candidates if isinstance(c, kind)]
        for candidate in found:
            if name and candidate.name == name:
                return candidate
        for candidate in found:
            if columns and list(_constraint_names(candidate)) == list(columns):
                return candidate
        return None

    def _make_reflected_table(self, item: _Reflected) -> Table:
        metadata = MetaData()
        columns = [_reflected_column(col) for col in item.columns]
        constraints: list[SchemaItem] = []
        pk_cols = item.pk.get("constrained_columns") or []
        if pk_cols:
            constraints.append(PrimaryKeyConstraint(*pk_cols, name=item.pk.get("name")))
        for fk in item.fks:
            name = self.rules.reflected_foreign_key_name(item.name, fk.get("name"))
            if name != fk.get("name"):
                fk = fk.copy()
                fk["name"] = name
            constraints.append(_fk_constraint(fk))
        for unique in item.uniques:
            constraints.append(UniqueConstraint(*unique["column_names"], name=unique.get("name")))
        for check in item.checks:
            if check.get("name"):
                constraints.append(CheckConstraint(text(check["sqltext"]), name=check["name"]))
        for index in item.indexes:
            names = index.get("column_names") or []
            if index.get("name") and names and None not in names:
                columns_ = [str(name) for name in names]
                constraints.append(
                    Index(index["name"], *columns_, unique=bool(index.get("unique")))
                )
        kw: dict[str, Any] = {}
        if item.comment is not None:
            kw["comment"] = item.comment
        return Table(item.name, metadata, *columns, *constraints, schema=item.schema, **kw)

    def _drop_table(self, item: _Reflected) -> list[Directive]:
        table = self._reflected_table(item)
        indexes = [
            _reflected_index_op(index, item.name, item.schema)
            for index in self._plain_indexes(item)
        ]
        if indexes:
            self.result.upgrade_ops.dropped_table_indexes[(item.schema, item.name)] = indexes
        items: list[SchemaItem] = [_copy_column(column) for column in table.columns]
        items.extend(_table_constraints(table))
        kw = {"comment": item.comment} if item.comment is not None else {}
        return [DropTableOp(item.name, item.schema, columns=tuple(items), kw=kw)]

    # -- one table ---------------------------------------------------------------------------

    def _compare_table(self, table: Table, item: _Reflected) -> ModifyTableOps:
        schema = item.schema
        name = table.name
        label = _label(schema, name)
        drops: list[TableOp] = []
        adds_columns: list[TableOp] = []
        alters: list[TableOp] = []
        creates: list[TableOp] = []
        drop_columns: list[TableOp] = []
        comments: list[TableOp] = []

        reflected_cols = {col["name"]: col for col in item.columns}
        theirs: Any = (
            self._reflected_table(item).columns if self._hooks_see_objects() else _NoObjects()
        )
        parents = self._parents(schema, name)
        database_key = item.pk.get("constrained_columns") or ()
        for column in table.columns:
            if not self._name_ok(column.name, "column", parents):
                continue
            found = reflected_cols.get(column.name)
            compare_to = theirs[column.name] if found is not None else None
            if not self._object_ok(column, column.name, "column", False, compare_to):
                continue
            if found is None:
                self.result.messages.append(f"Detected added column '{label}.{column.name}'")
                adds_columns.append(AddColumnOp(name, _copy_column(column), schema))
                continue
            keyed = not nullability_compared(column.primary_key, database_key, column.name)
            alter = self._compare_column(table, column, found, theirs[column.name], label, keyed)
            if alter is not None:
                alters.append(alter)
        model_names = set(table.columns.keys())
        removed: list[ReflectedColumn] = []
        for col in item.columns:
            if col["name"] in model_names:
                continue
            if not self._name_ok(col["name"], "column", parents):
                continue
            if not self._object_ok(theirs[col["name"]], col["name"], "column", True, None):
                continue
            self.result.messages.append(f"Detected removed column '{label}.{col['name']}'")
            removed.append(col)

        # Keys go before the indexes MySQL keeps for them. Unnamed constraints on removed
        # columns (SQLite) go with their column and only the downgrade creates them again.
        fk_drops: list[TableOp] = []
        restore: list[TableOp] = []
        dropped = {col["name"] for col in removed}
        self._compare_primary_key(table, item, label, creates)
        self._compare_indexes_and_uniques(table, item, label, drops, creates, dropped, restore)
        self._compare_foreign_keys(table, item, label, fk_drops, creates, dropped, restore)
        self._compare_checks(table, item, label, drops, creates)
        for col in removed:
            existing = _reflected_column(col)
            drop_columns.append(DropColumnOp(name, col["name"], schema, existing_column=existing))
        drops[:0] = fk_drops
        if self.dialect.supports_comments and table.comment != item.comment:
            if table.comment is None:
                self.result.messages.append(f"Detected removed table comment '{label}'")
                comments.append(DropTableCommentOp(name, item.comment, schema))
            else:
                self.result.messages.append(f"Detected table comment '{label}'")
                comments.append(CreateTableCommentOp(name, table.comment, item.comment, schema))
        ops = drops + adds_columns + alters + creates + drop_columns + comments
        return ModifyTableOps(
            name,
            ops,
            schema,
            restore=restore,
            naming_convention=self._conventions.get((schema, name), {}),
        )

    def _compare_column(
        self,
        table: Table,
        column: Column[Any],
        found: ReflectedColumn,
        reflected: Column[Any] | None,
        label: str,
        keyed: bool = False,
    ) -> AlterColumnOp | None:
        """The change to one column; ``keyed``: a primary-key column in both (see
        :func:`.keys.nullability_compared`), whose nullability is not compared."""
        where = f"'{label}.{column.name}'"
        reflected_type = found["type"]
        reflected_default = found.get("default")
        existing_default: Any = (
            None if reflected_default is None else DefaultClause(text(str(reflected_default)))
        )
        changes: dict[str, Any] = {}
        if self._type_changed(column, found, reflected):
            self.result.messages.append(
                f"Detected type change from {reflected_type!r} to {column.type!r} on {where}"
            )
            changes["modify_type"] = column.type
        if not keyed and bool(found["nullable"]) != bool(column.nullable):
            word = "NULL" if column.nullable else "NOT NULL"
            self.result.messages.append(f"Detected {word} on column {where}")
            changes["modify_nullable"] = bool(column.nullable)
        if self._default_changed(column, found, reflected):
            self.result.messages.append(f"Detected server default on column {where}")
            changes["modify_server_default"] = _copy_default(column.server_default)
        if self.dialect.supports_comments and (column.comment or None) != (
            found.get("comment") or None
        ):
            self.result.messages.append(f"Detected column comment {where}")
            changes["modify_comment"] = column.comment
        if not changes:
            return None
        return AlterColumnOp(
            table.name,
            column.name,
            self._schema(table.schema),
            existing_type=reflected_type,
            existing_nullable=bool(found["nullable"]),
            existing_server_default=existing_default,
            existing_comment=found.get("comment"),
            **changes,
        )

    def _type_changed(
        self, column: Column[Any], found: ReflectedColumn, reflected: Column[Any] | None
    ) -> bool:
        setting = self.options.compare_type
        if setting is False:
            return False
        if callable(setting):
            verdict = setting(self.context, reflected, column, found["type"], column.type)
            if verdict is not None:
                return bool(verdict)
        if isinstance(found["type"], sqltypes.NullType):
            return False
        return types_differ(found["type"], column.type, self.rules)

    def _default_changed(
        self, column: Column[Any], found: ReflectedColumn, reflected_column: Column[Any] | None
    ) -> bool:
        setting = self.options.compare_server_default
        if setting is False:
            return False
        reflected = found.get("default")
        theirs_generated = found.get("computed") or found.get("identity")
        if (
            column.server_default is not None
            and not isinstance(column.server_default, DefaultClause)
        ) or theirs_generated:
            # FetchedValue, Computed, Identity: the database makes the value some way a
            # default clause does not state; there is nothing to compare.
            return False
        ours = model_default_text(column, self.dialect)
        if callable(setting):
            verdict = setting(
                self.context, reflected_column, column, reflected, column.server_default, ours
            )
            if verdict is not None:
                return bool(verdict)
        if reflected is not None and str(reflected).lower().startswith("nextval("):
            return False  # a serial column's sequence
        if found.get("autoincrement") is True and ours is None:
            return False
        boolean = isinstance(column.type, sqltypes.Boolean)
        theirs = normalise_default(
            None if reflected is None else str(reflected), self.rules, boolean=boolean
        )
        return normalise_default(ours, self.rules, boolean=boolean) != theirs

    def _compare_primary_key(
        self, table: Table, item: _Reflected, label: str, creates: list[TableOp]
    ) -> None:
        theirs = item.pk.get("constrained_columns") or ()
        name = _name(table.primary_key, self.dialect)
        change = compare_primary_key(table, theirs, label, item.schema, name)
        if change.message is not None:
            self.result.messages.append(change.message)
        if change.warning is not None:
            self.result.warnings.append(change.warning)
        if change.operation is not None:
            creates.append(change.operation)

    def _plain_indexes(
        self, item: _Reflected, declared: frozenset[str] = frozenset()
    ) -> list[ReflectedIndex]:
        """The table's indexes that are not the database's own for a constraint.

        ``declared`` names the model's indexes: one of those is kept even where the
        database would have made an index of its own (MySQL's index for a foreign key).
        """
        unique_names = {u.get("name") for u in item.uniques if u.get("name")}
        pk_columns = tuple(item.pk.get("constrained_columns") or ())
        result = []
        for index in item.indexes:
            if index.get("duplicates_constraint") or index.get("name") in unique_names:
                continue
            columns = tuple(index.get("column_names") or ())
            if (
                self.rules.indexes_foreign_keys
                and index.get("name") not in declared
                and any(self.rules.is_foreign_key_index(index, fk) for fk in item.fks)
            ):
                continue  # the database's index for a foreign key (MySQL's)
            if pk_columns and columns == pk_columns and index.get("unique"):
                continue
            result.append(index)
        return result

    def _compare_indexes_and_uniques(
        self,
        table: Table,
        item: _Reflected,
        label: str,
        drops: list[TableOp],
        creates: list[TableOp],
        dropped: set[str],
        restore: list[TableOp],
    ) -> None:
        schema = item.schema
        parents = self._parents(schema, table.name)
        declared = frozenset(str(ix.name) for ix in table.indexes if ix.name)
        theirs_indexes = {
            ix["name"]: ix for ix in self._plain_indexes(item, declared) if ix.get("name")
        }
        theirs_uniques = list(item.uniques)
        claimed_uniques: set[int] = set()
        from_indexes: set[int] = set()  # unique indexes the models declare as constraints

        def take_unique(name: str | None, cols: tuple[str, ...]) -> bool:
            for position, unique in enumerate(theirs_uniques):
                if position in claimed_uniques:
                    continue
                same_name = name is not None and unique.get("name") == name
                same_cols = tuple(unique["column_names"]) == cols
                if same_name or (same_cols and (name is None or not unique.get("name"))):
                    claimed_uniques.add(position)
                    return True
                if same_cols and not same_name and name is not None:
                    # Named differently by the database (PostgreSQL's book_isbn_key).
                    if not _looks_user_named(unique.get("name")):
                        claimed_uniques.add(position)
                        return True
            return False

        for index in sorted(table.indexes, key=lambda ix: ix.name or ""):
            if not self._name_ok(index.name, "index", parents):
                continue
            cols = _index_names(index)
            if (schema, index.name) in self.unreflected_indexes:
                continue  # it exists; its expressions cannot be compared
            found = theirs_indexes.pop(index.name, None) if index.name else None
            if found is None and index.unique and take_unique(index.name, cols):
                continue  # MySQL and others keep a unique index as a unique constraint
            compare_to = (
                None if found is None else self._reflected_object(item, Index, index.name, cols)
            )
            if not self._object_ok(index, index.name, "index", False, compare_to):
                continue
            if found is not None:
                if bool(found.get("unique")) == bool(index.unique) and (
                    tuple(found.get("column_names") or ()) == cols or None in cols
                ):
                    continue
                self.result.messages.append(f"Detected changed index '{index.name}' on '{label}'")
                drops.append(_reflected_index_op(found, table.name, schema).reverse())
            else:
                self.result.messages.append(_added_index_message(index))
            creates.append(_create_index_op(index, table.name, schema))
        for name, found in sorted(theirs_indexes.items()):
            if not self._name_ok(name, "index", parents):
                continue
            existing = self._reflected_object(item, Index, name, found.get("column_names") or ())
            if not self._object_ok(existing, name, "index", True, None):
                continue
            # A unique index the models declare as a unique constraint.
            if found.get("unique") and any(
                isinstance(c, UniqueConstraint)
                and _constraint_names(c) == tuple(found.get("column_names") or ())
                for c in table.constraints
            ):
                matched = [
                    c
                    for c in table.constraints
                    if isinstance(c, UniqueConstraint)
                    and _constraint_names(c) == tuple(found.get("column_names") or ())
                ]
                if matched:
                    from_indexes.add(len(theirs_uniques))
                    theirs_uniques.append(
                        {"name": name, "column_names": [str(c) for c in found["column_names"]]}
                    )
                    continue
            self.result.messages.append(f"Detected removed index '{name}' on '{label}'")
            drops.append(_reflected_index_op(found, table.name, schema).reverse())

        model_uniques = [c for c in table.constraints if isinstance(c, UniqueConstraint)]
        for constraint in model_uniques:
            name = _name(constraint, self.dialect)
            cols = _constraint_names(constraint)
            if not self._name_ok(name, "unique_constraint", parents):
                continue
            if take_unique(name, cols):
                continue
            if not self._object_ok(constraint, name, "unique_constraint", False, None):
                continue
            given = name or f"uq_{table.name}_{'_'.join(cols)}"
            self.result.messages.append(
                f"Detected added unique constraint '{given}' on '{list(cols)}'"
            )
            creates.append(
                CreateUniqueConstraintOp(
                    _final(constraint, given, self.dialect), table.name, cols, schema
                )
            )
        for position, unique in enumerate(theirs_uniques):
            if position in claimed_uniques or position in from_indexes:
                continue
            name = unique.get("name")
            if not self._name_ok(name, "unique_constraint", parents):
                continue
            existing = self._reflected_object(item, UniqueConstraint, name, unique["column_names"])
            if not self._object_ok(existing, name, "unique_constraint", True, None):
                continue
            cols = tuple(unique["column_names"])
            self.result.messages.append(
                f"Detected removed unique constraint '{name}' on '{list(cols)}'"
            )
            original = CreateUniqueConstraintOp(name, table.name, cols, schema)
            if not name and dropped.intersection(cols):
                restore.append(original)  # dropped with the column, by SQLite's batch mode
                continue
            if not name and self.rules.unnamed_constraint_convention is not None:
                # Named for the batch by a naming convention (SQLite's).
                name = self._by_convention(
                    schema, table.name, "uq", f"uq_{table.name}_{'_'.join(cols)}"
                )
            elif not name:
                self._unnamed_drop("unique constraint", cols, label)
            drops.append(DropConstraintOp(name or "", table.name, "unique", schema, original))

    def _compare_foreign_keys(
        self,
        table: Table,
        item: _Reflected,
        label: str,
        drops: list[TableOp],
        creates: list[TableOp],
        dropped: set[str],
        restore: list[TableOp],
    ) -> None:
        schema = item.schema
        parents = self._parents(schema, table.name)
        indexes_keys = self.rules.indexes_foreign_keys
        model_fk_columns = {
            _constraint_names(c) for c in table.constraints if isinstance(c, ForeignKeyConstraint)
        }
        theirs_fk_columns = {tuple(fk["constrained_columns"]) for fk in item.fks}
        theirs: dict[tuple[Any, ...], list[ReflectedForeignKeyConstraint]] = {}
        for fk in item.fks:
            theirs.setdefault(self._fk_signature_reflected(fk), []).append(fk)
        for constraint in sorted(
            (c for c in table.constraints if isinstance(c, ForeignKeyConstraint)),
            key=lambda c: _constraint_names(c),
        ):
            signature = self._fk_signature_model(constraint)
            if theirs.get(signature):
                theirs[signature].pop(0)
                continue
            name = _name(constraint, self.dialect)
            if not self._name_ok(name, "foreign_key_constraint", parents):
                continue
            if not self._object_ok(constraint, name, "foreign_key_constraint", False, None):
                continue
            local, remote = signature[0], signature[3]
            self.result.messages.append(
                f"Detected added foreign key ({', '.join(local)})({', '.join(remote)}) "
                f"on table {label}"
            )
            operation = self._create_fk_op(constraint, schema)
            if (
                indexes_keys
                and local not in theirs_fk_columns
                and not self._indexed(table, item, local)
            ):
                # The database would make an index for the key and keep it when the key is
                # dropped (MySQL); made here under the key's name, the downgrade drops it too.
                creates.append(CreateIndexOp(operation.constraint_name, table.name, local, schema))
            creates.append(operation)
        for remaining in theirs.values():
            for fk in remaining:
                name = fk.get("name")
                if not self._name_ok(name, "foreign_key_constraint", parents):
                    continue
                existing = self._reflected_object(
                    item, ForeignKeyConstraint, name, fk["constrained_columns"]
                )
                if not self._object_ok(existing, name, "foreign_key_constraint", True, None):
                    continue
                original = _reflected_fk_op(fk, table.name, schema, self._schema)
                self.result.messages.append(
                    f"Detected removed foreign key ({', '.join(original.local_cols)})"
                    f"({', '.join(original.remote_cols)}) on table {label}"
                )
                if not name and dropped.intersection(original.local_cols):
                    restore.append(original)  # dropped with the column, by SQLite's batch mode
                    continue
                if not name and self.rules.unnamed_constraint_convention is not None:
                    local_cols = "_".join(original.local_cols)
                    name = self._by_convention(
                        schema,
                        table.name,
                        "fk",
                        f"fk_{table.name}_{local_cols}_{original.referent_table}",
                    )
                elif not name:
                    self._unnamed_drop("foreign key", original.local_cols, label)
                drops.append(
                    DropConstraintOp(name or "", table.name, "foreignkey", schema, original)
                )
                local = tuple(fk["constrained_columns"])
                if indexes_keys and local not in model_fk_columns:
                    # The index the database made for the key stays unless dropped with it.
                    declared = {str(ix.name) for ix in table.indexes if ix.name}
                    for index in item.indexes:
                        index_name = index["name"]
                        if self.rules.is_foreign_key_index(index, fk) and (
                            index_name is not None and index_name not in declared
                        ):
                            drops.append(
                                DropIndexOp(
                                    index_name, table.name, schema, columns=local, unique=False
                                )
                            )

    def _unnamed_drop(self, kind: str, columns: Sequence[str], label: str) -> None:
        self.result.warnings.append(
            f"The {kind} on ({', '.join(columns)}) of '{label}' has no name in the database, "
            "so the migration cannot drop it by name: edit the revision (with SQLite, "
            "batch_alter_table(..., naming_convention=...) names reflected constraints), "
            "and name constraints in the models, e.g. with a MetaData naming_convention."
        )

    def _indexed(self, table: Table, item: _Reflected, columns: tuple[str, ...]) -> bool:
        """Whether an index of the database or the models starts with ``columns``."""
        width = len(columns)
        found: list[tuple[Any, ...]] = [
            tuple(index.get("column_names") or ())[:width] for index in item.indexes
        ]
        found.append(tuple(item.pk.get("constrained_columns") or ())[:width])
        found.extend(tuple(u["column_names"])[:width] for u in item.uniques)
        found.extend(_index_names(index)[:width] for index in table.indexes)
        found.extend(
            _constraint_names(c)[:width]
            for c in table.constraints
            if isinstance(c, UniqueConstraint | PrimaryKeyConstraint)
        )
        return columns in found

    def _fk_signature_model(self, constraint: ForeignKeyConstraint) -> tuple[Any, ...]:
        local = _constraint_names(constraint)
        targets = [element.target_fullname.split(".") for element in constraint.elements]
        ref_schema_parts = targets[0][:-2]
        ref_schema = self._schema(".".join(ref_schema_parts) or None)
        ref_table = targets[0][-2]
        remote = tuple(parts[-1] for parts in targets)
        return (
            local,
            ref_schema,
            ref_table,
            remote,
            self.rules.foreign_key_rule(constraint.ondelete),
            self.rules.foreign_key_rule(constraint.onupdate),
        )

    def _fk_signature_reflected(self, fk: ReflectedForeignKeyConstraint) -> tuple[Any, ...]:
        options = fk.get("options") or {}
        return (
            tuple(fk["constrained_columns"]),
            self._schema(fk.get("referred_schema")),
            fk["referred_table"],
            tuple(fk["referred_columns"]),
            self.rules.foreign_key_rule(options.get("ondelete")),
            self.rules.foreign_key_rule(options.get("onupdate")),
        )

    def _compare_checks(
        self,
        table: Table,
        item: _Reflected,
        label: str,
        drops: list[TableOp],
        creates: list[TableOp],
    ) -> None:
        schema = item.schema
        parents = self._parents(schema, table.name)
        named: dict[str, CheckConstraint] = {}
        of_types: set[str] = set()
        for constraint in table.constraints:
            if not isinstance(constraint, CheckConstraint):
                continue
            name = _name(constraint, self.dialect)
            if name is None:
                continue  # the database names it; it cannot be told apart from others
            if getattr(constraint, "_type_bound", False):
                of_types.add(str(name))  # a Boolean's or an Enum's own check: never compared
            else:
                named[str(name)] = constraint
        theirs = {
            name: check
            for check in item.checks
            if (name := check.get("name")) and name not in of_types
        }
        for name, constraint in sorted(named.items()):
            if name in theirs:
                theirs.pop(name)
                continue
            if not self._name_ok(name, "check_constraint", parents):
                continue
            if not self._object_ok(constraint, name, "check_constraint", False, None):
                continue
            self.result.messages.append(f"Detected added check constraint '{name}' on '{label}'")
            creates.append(
                CreateCheckConstraintOp(
                    _final(constraint, name, self.dialect),
                    table.name,
                    self._check_sql(constraint),
                    schema,
                )
            )
        column_names = {col["name"] for col in item.columns}
        for name, check in sorted(theirs.items()):
            if name in column_names or not _looks_user_named(name):
                continue  # MariaDB's json_valid() checks, the database's own names
            if not self._name_ok(name, "check_constraint", parents):
                continue
            existing = self._reflected_object(item, CheckConstraint, name, ())
            if not self._object_ok(existing, name, "check_constraint", True, None):
                continue
            self.result.messages.append(f"Detected removed check constraint '{name}' on '{label}'")
            original = CreateCheckConstraintOp(name, table.name, check["sqltext"], schema)
            drops.append(DropConstraintOp(name, table.name, "check", schema, original))

    def _check_sql(self, constraint: CheckConstraint) -> str:
        """The condition as the database's DDL writes it (columns without their table)."""
        compiler = self.dialect.statement_compiler(self.dialect, None)
        return str(compiler.process(constraint.sqltext, include_table=False, literal_binds=True))

    # -- PostgreSQL enum types -------------------------------------------------------------------

    def _enum_directives(self, tables: Iterable[Table], created: list[Table]) -> list[Directive]:
        """Named native enum types the compared tables need: new ones, and new values."""
        if not self.rules.named_enum_types:
            return []
        existing: dict[tuple[str | None, str], list[str]] = {}
        for enum in self.inspector.get_enums(schema="*"):  # type: ignore[attr-defined]
            key = (self._schema(enum.get("schema")), enum["name"])
            existing[key] = list(enum["labels"])
        out: list[Directive] = []
        seen: set[tuple[str | None, str]] = set()
        with_tables = {key for table in created for key, _ in self._enum_types(table)}
        for table in tables:
            for key, enum_type in self._enum_types(table):
                if key in seen:
                    continue
                seen.add(key)
                wanted = tuple(enum_type.enums)
                if key not in existing:
                    # Creating a table creates the types it uses (here and with Alembic);
                    # for new columns only, the type is created first. The downgrade drops
                    # it after the tables and columns that use it.
                    self.result.messages.append(f"Detected added enum type '{key[1]}'")
                    directive = EnumTypeOp("create", key[1], wanted, key[0])
                    if key in with_tables:
                        self.result.upgrade_ops.implicit_enum_types.append(directive)
                    else:
                        out.append(directive)
                    continue
                new_values = tuple(v for v in wanted if v not in existing[key])
                gone = [v for v in existing[key] if v not in wanted]
                if gone:
                    self.result.warnings.append(
                        f"Enum type '{key[1]}' has values the models no longer list ({gone}); "
                        "PostgreSQL cannot remove values from an enum type, so they stay: "
                        "update the rows that use them and recreate the type by hand if needed."
                    )
                if new_values:
                    self.result.messages.append(
                        f"Detected new values {list(new_values)} of enum type '{key[1]}'"
                    )
                    out.append(EnumTypeOp("add_values", key[1], new_values, key[0]))
        return out

    def _enum_types(self, table: Table) -> Iterator[tuple[tuple[str | None, str], sqltypes.Enum]]:
        """The named native enum types of the table's columns, keyed (schema, name)."""
        for column in table.columns:
            enum_type = column.type
            if isinstance(enum_type, sqltypes.Enum) and enum_type.native_enum and enum_type.name:
                schema = self._schema(enum_type.schema or table.schema)
                yield (schema, enum_type.name), enum_type


def _tables_having(ddl: Mapping[str, str], names: Sequence[str]) -> dict[str, set[str]]:
    """Which of ``names`` mention REFERENCES, UNIQUE or CHECK in their CREATE TABLE text."""
    having: dict[str, set[str]] = {"REFERENCES": set(), "UNIQUE": set(), "CHECK": set()}
    for name in names:
        upper = ddl.get(name, "").upper()
        for word, tables in having.items():
            if word in upper:
                tables.add(name)
    return having


def _wanted(having: dict[str, set[str]] | None, word: str) -> bool:
    return having is None or bool(having[word])


class _NoObjects:
    """Stands in for the reflected columns when no hook needs them."""

    def __getitem__(self, name: str) -> None:
        return None


def _looks_user_named(name: str | None) -> bool:
    if not name:
        return False
    lowered = name.lower()
    if re.fullmatch(r"constraint_\d+|.+_chk_\d+", lowered):
        return False  # MariaDB's and MySQL's names for unnamed checks
    return not (
        lowered.endswith(("_key", "_check", "_fkey", "_pkey"))
        and not lowered.startswith(("uq_", "ck_", "fk_"))
    )


_DEFAULT_DIALECT = DefaultDialect()


def _name(constraint: Any, dialect: Dialect | None = None) -> str | None:
    """The name the database gives ``constraint``: its own, or its naming convention's.

    ``None`` when it has neither (the database names it). Convention names are returned as
    :class:`~sqlalchemy.sql.elements.conv` so that they are rendered ``op.f(...)``.
    """
    name = constraint.name
    if name is None:
        return None
    if isinstance(name, conv):
        return name
    if isinstance(name, str) and type(name) is str:
        return name
    # A deferred name (a type's constraint, an unnamed one under a convention).
    if getattr(constraint, "table", None) is None:
        return None if str(name).startswith("_unnamed_") else str(name)
    preparer = (dialect or _DEFAULT_DIALECT).identifier_preparer
    try:
        final = preparer.format_constraint(constraint, _alembic_quote=False)
    except (AssertionError, exc.InvalidRequestError):
        return None
    if final is None or str(final).startswith("_unnamed_"):
        return None
    return conv(str(final))


def _final(constraint: Any, fallback: str, dialect: Dialect | None = None) -> str:
    """The constraint's name, or a generated one marked final (rendered ``op.f(...)``)."""
    name = _name(constraint, dialect)
    if name is not None:
        return name
    return conv(fallback[:63])


def _constraint_names(constraint: Any) -> tuple[str, ...]:
    if isinstance(constraint, ForeignKeyConstraint):
        return tuple(str(element.parent.name) for element in constraint.elements)
    return tuple(str(column.name) for column in constraint.columns)


def _index_names(index: Index) -> tuple[Any, ...]:
    names: list[Any] = []
    for expression in index.expressions:
        names.append(expression.name if isinstance(expression, Column) else None)
    return tuple(names)


def _index_elements(index: Index) -> tuple[IndexColumn, ...]:
    elements: list[IndexColumn] = []
    for expression in index.expressions:
        if isinstance(expression, Column):
            elements.append(str(expression.name))
        elif isinstance(expression, str):
            elements.append(expression)
        else:
            elements.append(text(str(expression.compile(compile_kwargs={"literal_binds": True}))))
    return tuple(elements)


def _added_index_message(index: Index) -> str:
    elements = [
        element if isinstance(element, str) else element.text
        for element in _index_elements(index)
        if isinstance(element, str | TextClause)
    ]
    return f"Detected added index '{index.name}' on '{elements}'"


def _create_index_op(index: Index, table_name: str, schema: str | None) -> CreateIndexOp:
    return CreateIndexOp(
        index.name if index.name is not None else None,
        table_name,
        _index_elements(index),
        schema,
        bool(index.unique),
        kw=dict(index.dialect_kwargs),
    )


def _reflected_index_op(
    found: ReflectedIndex, table_name: str, schema: str | None
) -> CreateIndexOp:
    columns: list[IndexColumn] = []
    expressions = found.get("expressions") or []
    for position, name in enumerate(found.get("column_names") or []):
        if name is None and position < len(expressions):
            columns.append(text(expressions[position]))
        elif name is not None:
            columns.append(str(name))
    # Options the database reports at their defaults (postgresql_include=[]) are left out.
    kw = {
        key: value
        for key, value in (found.get("dialect_options") or {}).items()
        if value is not None and value != [] and value != ()
    }
    return CreateIndexOp(
        found["name"], table_name, tuple(columns), schema, bool(found.get("unique")), kw=kw
    )


def _fk_constraint(fk: ReflectedForeignKeyConstraint) -> ForeignKeyConstraint:
    ref = fk["referred_table"]
    if fk.get("referred_schema"):
        ref = f"{fk['referred_schema']}.{ref}"
    options = fk.get("options") or {}
    return ForeignKeyConstraint(
        list(fk["constrained_columns"]),
        [f"{ref}.{col}" for col in fk["referred_columns"]],
        name=fk.get("name"),
        ondelete=options.get("ondelete"),
        onupdate=options.get("onupdate"),
        deferrable=options.get("deferrable"),
        initially=options.get("initially"),
    )


def _reflected_fk_op(
    fk: ReflectedForeignKeyConstraint,
    table_name: str,
    schema: str | None,
    normal_schema: Callable[[str | None], str | None],
) -> CreateForeignKeyOp:
    options = fk.get("options") or {}
    return CreateForeignKeyOp(
        fk.get("name"),
        table_name,
        fk["referred_table"],
        tuple(fk["constrained_columns"]),
        tuple(fk["referred_columns"]),
        onupdate=options.get("onupdate"),
        ondelete=options.get("ondelete"),
        deferrable=options.get("deferrable"),
        initially=options.get("initially"),
        source_schema=schema,
        referent_schema=normal_schema(fk.get("referred_schema")),
    )


def _copy_default(default: Any) -> Any:
    if default is None:
        return None
    if isinstance(default, DefaultClause):
        return DefaultClause(default.arg)
    return default


def _copy_column(column: Column[Any]) -> Column[Any]:
    """A new column with the same name, type, nullability, default and comment only.

    Keys, unique flags and indexes are compared and rendered as constraints of their own.
    """
    kw: dict[str, Any] = {"nullable": column.nullable}
    default = _copy_default(column.server_default)
    if default is not None:
        kw["server_default"] = default
    if column.comment is not None:
        kw["comment"] = column.comment
    if column.autoincrement is not True and column.autoincrement != "auto":
        kw["autoincrement"] = column.autoincrement
    if column.computed is not None:
        return Column(column.name, column.type, column.computed._copy(), **kw)
    if column.identity is not None:
        return Column(column.name, column.type, column.identity._copy(), **kw)
    return Column(column.name, column.type, **kw)


def _reflected_column(col: ReflectedColumn) -> Column[Any]:
    kw: dict[str, Any] = {"nullable": bool(col["nullable"])}
    default = col.get("default")
    if default is not None and not str(default).lower().startswith("nextval("):
        kw["server_default"] = DefaultClause(text(str(default)))
    if col.get("comment") is not None:
        kw["comment"] = col["comment"]
    return Column(col["name"], col["type"], **kw)


def _table_constraints(
    table: Table, dialect: Dialect | None = None, skip: Sequence[Any] = ()
) -> list[SchemaItem]:
    """Copies of the table's primary key, foreign keys, unique and named check constraints
    (but those in ``skip``).

    Foreign keys are copied without ``use_alter``: inline in a ``create_table`` the flag
    would make PostgreSQL and MySQL leave the key out (the keys that must wait are in
    ``skip`` and created apart)."""
    items: list[SchemaItem] = []
    pk = table.primary_key
    if pk is not None and len(pk.columns):
        items.append(PrimaryKeyConstraint(*[c.name for c in pk.columns], name=_name(pk, dialect)))
    for constraint in sorted(
        table.constraints, key=lambda c: (type(c).__name__, _constraint_names(c))
    ):
        if any(constraint is skipped for skipped in skip):
            continue
        if isinstance(constraint, ForeignKeyConstraint):
            items.append(
                ForeignKeyConstraint(
                    list(_constraint_names(constraint)),
                    [element.target_fullname for element in constraint.elements],
                    name=_name(constraint, dialect),
                    ondelete=constraint.ondelete,
                    onupdate=constraint.onupdate,
                    deferrable=constraint.deferrable,
                    initially=constraint.initially,
                )
            )
        elif isinstance(constraint, UniqueConstraint):
            items.append(
                UniqueConstraint(*_constraint_names(constraint), name=_name(constraint, dialect))
            )
        elif isinstance(constraint, CheckConstraint) and not getattr(
            constraint, "_type_bound", False
        ):
            items.append(CheckConstraint(constraint.sqltext, name=_name(constraint, dialect)))
    return items


def _reflected_order(items: list[_Reflected]) -> list[_Reflected]:
    """Reflected tables ordered as they would have been created (referenced ones first)."""
    by_key = {(i.schema, i.name): i for i in items}
    order: list[_Reflected] = []
    state: dict[tuple[str | None, str], int] = {}

    def visit(key: tuple[str | None, str]) -> None:
        if state.get(key):
            return
        state[key] = 1
        for fk in by_key[key].fks:
            target = (fk.get("referred_schema"), fk["referred_table"])
            if target in by_key and target != key:
                visit(target)
        order.append(by_key[key])

    for key in sorted(by_key, key=lambda k: (k[0] or "", k[1])):
        visit(key)
    return order


def compare_metadata(
    connection: Connection,
    metadatas: MetaData | Sequence[MetaData],
    options: CompareOptions | None = None,
) -> Comparison:
    """Compare the models with the database on ``connection``.

    Returns the upgrade operations (``comparison.upgrade_ops``; ``.reverse()`` is the
    downgrade), one message per change in Alembic's wording, and warnings (destructive
    drops, primary-key changes that are not written).
    """
    if isinstance(metadatas, MetaData):
        metadatas = [metadatas]
    return _Comparer(connection, list(metadatas), options or CompareOptions()).run()
