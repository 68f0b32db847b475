"""What every comparator reads: the connection, the database's rules, the options and hooks."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

from sqlalchemy import Index, Table, inspect
from sqlalchemy.engine import Connection, Dialect

from ...ddl import impl_for
from ...ddl.compare_rules import CompareRules
from ..decisions import Decisions
from ..reflect import ReflectedTable
from .naming import constraint_columns
from .objects import reflected_schema_table

__all__ = ["CompareContext", "CompareOptions", "label", "parents"]


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
    #: The applied log (beside the version table): never compared either.
    applied_log_table: str | None = None
    #: Who answers the questions the schemas leave open (renames, values for existing rows);
    #: ``None``: nobody, no rename is made and no value given.
    decisions: Decisions | None = None
    #: A table with more rows than this gets a new NOT NULL column's values in batches of
    #: this many key values.
    fill_batch_rows: int = 10_000


def label(schema: str | None, name: str) -> str:
    """A table as messages name it: ``schema.name``, or ``name`` in the default schema."""
    return f"{schema}.{name}" if schema else name


def parents(schema: str | None, table: str | None = None) -> dict[str, str | None]:
    """The ``parent_names`` an ``include_name`` hook gets."""
    names: dict[str, str | None] = {"schema_name": schema}
    if table is not None:
        names["table_name"] = table
        names["schema_qualified_table_name"] = label(schema, table)
    return names


class CompareContext:
    """One comparison's connection, options and hooks, and the database's rules."""

    def __init__(self, connection: Connection, options: CompareOptions) -> None:
        self.connection = connection
        self.dialect: Dialect = connection.dialect
        #: What this database's catalog reports, and which differences are none.
        self.rules: CompareRules = impl_for(self.dialect, connection)
        self.options = options
        self.inspector = inspect(connection)
        self.default_schema = self.inspector.default_schema_name
        #: What ``compare_type``/``compare_server_default`` functions get as ``context``.
        self.hook_context = SimpleNamespace(
            connection=connection, dialect=self.dialect, bind=connection, opts=options
        )
        self._tables: dict[tuple[str | None, str], Table] = {}
        #: Enum types renamed, as (old name, new name): their columns' types are unchanged.
        self.enum_renames: set[tuple[str, str]] = set()
        self._schema_names: set[str] | None = None

    def schema(self, schema: str | None) -> str | None:
        """``schema``, or ``None`` for the default schema."""
        return None if schema == self.default_schema else schema

    def schema_names(self) -> set[str]:
        """The database's schemas (read once)."""
        if self._schema_names is None:
            self._schema_names = set(self.inspector.get_schema_names())
        return self._schema_names

    def name_ok(self, name: str | None, type_: str, parent_names: dict[str, str | None]) -> bool:
        """What the ``include_name`` hook says (included without one)."""
        hook = self.options.include_name
        return True if hook is None else bool(hook(name, type_, parent_names))

    def object_ok(
        self, obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any
    ) -> bool:
        """What the ``include_object`` hook says (included without one)."""
        hook = self.options.include_object
        return True if hook is None else bool(hook(obj, name, type_, reflected, compare_to))

    def hooks_see_objects(self) -> bool:
        """Whether a hook will be handed reflected objects (so they must be built)."""
        options = self.options
        return (
            options.include_object is not None
            or callable(options.compare_type)
            or callable(options.compare_server_default)
        )

    def table_of(self, item: ReflectedTable) -> Table:
        """The database's table as a :class:`~sqlalchemy.Table` (made once per table).

        Hooks get its columns, indexes and constraints as the reflected objects, as they
        would from Alembic.
        """
        key = (item.schema, item.name)
        table = self._tables.get(key)
        if table is None:
            table = self._tables[key] = reflected_schema_table(item, self.rules)
        return table

    def reflected_object(
        self,
        item: ReflectedTable,
        kind: type[Any],
        name: str | None,
        columns: Sequence[str | None],
    ) -> Any:
        """The reflected index or constraint of that kind, by name, else by columns."""
        if self.options.include_object is None:
            return None  # only hooks look at reflected objects; building them costs time
        table = self.table_of(item)
        candidates = table.indexes if kind is Index else table.constraints
        found = [c for c in candidates if isinstance(c, kind)]
        for candidate in found:
            if name and candidate.name == name:
                return candidate
        for candidate in found:
            if columns and list(constraint_columns(candidate)) == list(columns):
                return candidate
        return None
