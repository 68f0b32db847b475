"""The directives autogenerate produces: operations grouped as a revision file needs them.

The names follow Alembic's (``MigrationScript``, ``upgrade_ops``, ``downgrade_ops``,
``ModifyTableOps``, ``is_empty()``), so ``process_revision_directives`` hooks written for
Flask-Migrate keep working, e.g. dropping an empty revision::

    def process_revision_directives(context, revision, directives):
        if directives[0].upgrade_ops.is_empty():
            directives[:] = []
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import Any, TypeAlias

from ..operations.ops import (
    AddColumnOp,
    AlterColumnOp,
    CreateCheckConstraintOp,
    CreateForeignKeyOp,
    CreateIndexOp,
    CreatePrimaryKeyOp,
    CreateTableCommentOp,
    CreateTableOp,
    CreateUniqueConstraintOp,
    DropColumnOp,
    DropConstraintOp,
    DropIndexOp,
    DropTableCommentOp,
    DropTableOp,
    ExecuteSQLOp,
    RenameTableOp,
)
from .data_steps import (
    FillRowsOp,
    RenameIndexOp,
    RenamePrimaryKeyOp,
    RenameSequenceOp,
    RenameValuesOp,
)

__all__ = [
    "Directive",
    "DowngradeOps",
    "EnumColumn",
    "EnumTypeOp",
    "MigrationScript",
    "ModifyTableOps",
    "TableOp",
    "UpgradeOps",
    "recreate_or_add",
]

#: An operation on one existing table (rendered inside ``batch_alter_table`` when batching).
TableOp: TypeAlias = (
    AddColumnOp
    | DropColumnOp
    | AlterColumnOp
    | CreateIndexOp
    | DropIndexOp
    | CreateUniqueConstraintOp
    | CreateForeignKeyOp
    | CreateCheckConstraintOp
    | CreatePrimaryKeyOp
    | DropConstraintOp
    | CreateTableCommentOp
    | DropTableCommentOp
)


@dataclass
class ModifyTableOps:
    """The changes to one existing table, in the order they run.

    ``restore`` lists operations that only the downgrade runs, after undoing ``ops``: they
    bring back what an operation removes implicitly, such as the unnamed constraints
    SQLite's batch mode drops together with their column (they have no name to drop them by,
    but they can be created again).
    """

    table_name: str
    ops: list[TableOp]
    schema: str | None = None
    restore: list[TableOp] = field(default_factory=list)
    #: ``batch_alter_table(naming_convention=...)`` for the upgrade: names for constraints
    #: the database keeps unnamed (SQLite), which the operations drop by those names.
    naming_convention: dict[str, str] = field(default_factory=dict)

    def is_empty(self) -> bool:
        """Whether there is nothing to change."""
        return not self.ops

    def reverse(self) -> ModifyTableOps:
        """The changes that undo these: each one reversed, in the opposite order."""
        undo = [_reverse_table_op(op) for op in reversed(self.ops)]
        return ModifyTableOps(self.table_name, undo + list(self.restore), self.schema)


def _reverse_table_op(op: TableOp) -> TableOp:
    reverse: Any = op.reverse()
    return reverse  # type: ignore[no-any-return]


@dataclass(frozen=True)
class EnumColumn:
    """A column whose type is a PostgreSQL enum type (or an array of it), as it is now."""

    table: str
    column: str
    schema: str | None = None
    #: The column's server default as SQL (``'open'::ticket_state``), set again after the
    #: column is converted to a remade type.
    default: str | None = None
    array: bool = False


@dataclass(frozen=True)
class EnumTypeOp:
    """A PostgreSQL enum type created, dropped, renamed, given new values, or remade.

    ``action`` is one of:

    * ``"create"`` / ``"drop"``: ``values`` are the type's values;
    * ``"add_values"``: ``values`` are the new ones; with ``target`` (all the values after,
      in order) each is placed with ``BEFORE``/``AFTER``, and the reverse remakes the type
      without them; without it the reverse is ``"keep_values"`` (a comment);
    * ``"recreate"``: ``values`` are all the values after, ``previous`` those before, for a
      change ``ADD VALUE`` cannot make (a value removed, or the order changed): the type is
      renamed aside, made again, each of ``columns`` converted with ``USING`` and the old type
      dropped, after a check that stops the upgrade when a row holds a removed value;
    * ``"rename"``: the type ``name`` becomes ``new_name``;
    * ``"rename_values"``: each (old, new) pair of ``renamed`` with ``ALTER TYPE ... RENAME
      VALUE`` (``values`` after, ``previous`` before); a ``"recreate"`` with ``renamed``
      converts the old values to the new ones in its ``USING`` expressions.

    ``autocommit``: the new values are added in ``op.get_context().autocommit_block()``
    (PostgreSQL before 12 refuses ``ADD VALUE`` in a transaction, and no version lets the
    transaction that adds a value use it).
    """

    action: str
    name: str
    values: tuple[str, ...]
    schema: str | None = None
    target: tuple[str, ...] | None = None
    previous: tuple[str, ...] = ()
    columns: tuple[EnumColumn, ...] = ()
    autocommit: bool = True
    new_name: str | None = None
    #: Values renamed: (old, new) pairs.
    renamed: tuple[tuple[str, str], ...] = ()

    def reverse(self) -> EnumTypeOp:
        """The directive that undoes this one."""
        back = tuple((new, old) for old, new in self.renamed)
        if self.action == "rename_values":
            return replace(self, values=self.previous, previous=self.values, renamed=back)
        if self.action == "rename":
            return replace(self, name=self.new_name or self.name, new_name=self.name)
        if self.action == "add_values" and self.target is not None:
            before = tuple(v for v in self.target if v not in self.values)
            return EnumTypeOp(
                "recreate",
                self.name,
                before,
                self.schema,
                previous=self.target,
                columns=self.columns,
                autocommit=self.autocommit,
            )
        if self.action == "recreate":
            return recreate_or_add(
                self.name,
                self.previous,
                self.values,
                self.schema,
                self.columns,
                self.autocommit,
                back,
            )
        opposite = {
            "create": "drop",
            "drop": "create",
            "add_values": "keep_values",
            "keep_values": "add_values",
        }[self.action]
        return EnumTypeOp(opposite, self.name, self.values, self.schema)


def recreate_or_add(
    name: str,
    wanted: tuple[str, ...],
    existing: tuple[str, ...],
    schema: str | None,
    columns: tuple[EnumColumn, ...],
    autocommit: bool,
    renamed: tuple[tuple[str, str], ...] = (),
) -> EnumTypeOp:
    """The change from an enum type's ``existing`` values to ``wanted``: values renamed in
    place when that is the whole change, new values added where they go when the existing
    ones keep their order, else the type remade (converting ``renamed`` values)."""
    if renamed:
        mapping = dict(renamed)
        if tuple(mapping.get(value, value) for value in existing) == wanted:
            return EnumTypeOp(
                "rename_values",
                name,
                wanted,
                schema,
                previous=existing,
                columns=columns,
                renamed=renamed,
            )
        return EnumTypeOp(
            "recreate",
            name,
            wanted,
            schema,
            previous=existing,
            columns=columns,
            autocommit=autocommit,
            renamed=renamed,
        )
    kept = [value for value in wanted if value in existing]
    if kept == list(existing):
        added = tuple(value for value in wanted if value not in existing)
        return EnumTypeOp(
            "add_values",
            name,
            added,
            schema,
            target=wanted,
            columns=columns,
            autocommit=autocommit,
        )
    return EnumTypeOp(
        "recreate",
        name,
        wanted,
        schema,
        previous=existing,
        columns=columns,
        autocommit=autocommit,
    )


#: One top-level directive: a whole table created, dropped or renamed, a table's changes, an
#: enum type's change, SQL, the rows of a column filled, a sequence, an index or a primary
#: key renamed.
Directive: TypeAlias = (
    CreateTableOp
    | DropTableOp
    | RenameTableOp
    | ModifyTableOps
    | EnumTypeOp
    | ExecuteSQLOp
    | FillRowsOp
    | RenameValuesOp
    | RenameSequenceOp
    | RenameIndexOp
    | RenamePrimaryKeyOp
)


@dataclass
class UpgradeOps:
    """The directives of ``upgrade()``.

    ``dropped_table_indexes`` holds, per table the upgrade drops, the indexes that table had:
    dropping the table drops them (so the upgrade does not drop them one by one, which
    MySQL refuses for an index a foreign key needs), and the downgrade creates them again
    after the table.

    ``implicit_enum_types`` are the PostgreSQL enum types that creating a table creates
    (as ``create_table`` does with Alembic too): the upgrade does not name them, the
    downgrade drops them last.
    """

    ops: list[Directive] = field(default_factory=list)
    #: ``upgrade_<bind>`` / ``downgrade_<bind>`` suffix in multi-database projects.
    upgrade_token: str = "upgrades"
    dropped_table_indexes: dict[tuple[str | None, str], list[CreateIndexOp]] = field(
        default_factory=dict
    )
    implicit_enum_types: list[EnumTypeOp] = field(default_factory=list)

    def is_empty(self) -> bool:
        """Whether nothing was detected (a table with no changes does not count)."""
        return not any(not (isinstance(op, ModifyTableOps) and op.is_empty()) for op in self.ops)

    def __iter__(self) -> Iterator[Directive]:
        return iter(self.ops)

    def reverse(self) -> DowngradeOps:
        """The directives of ``downgrade()``: each reversed, in the opposite order.

        The indexes of a table the upgrade creates go with the table, not one by one; a
        table the upgrade drops is created again with its indexes.
        """
        with_table: set[int] = set()  # index-only changes right after their table's creation
        created: set[tuple[str | None, str]] = set()
        for position, op in enumerate(self.ops):
            if isinstance(op, CreateTableOp):
                created.add((op.schema, op.table_name))
            elif isinstance(op, DropTableOp):
                created.discard((op.schema, op.table_name))
            elif (
                isinstance(op, ModifyTableOps)
                and (op.schema, op.table_name) in created
                and op.ops
                and all(isinstance(item, CreateIndexOp) for item in op.ops)
            ):
                with_table.add(position)
        out: list[Directive] = []
        for position in reversed(range(len(self.ops))):
            if position in with_table:
                continue
            op = self.ops[position]
            out.append(_reverse_directive(op))
            if isinstance(op, DropTableOp):
                indexes = self.dropped_table_indexes.get((op.schema, op.table_name))
                if indexes:
                    out.append(ModifyTableOps(op.table_name, list(indexes), op.schema))
        out.extend(enum.reverse() for enum in reversed(self.implicit_enum_types))
        return DowngradeOps(out)


@dataclass
class DowngradeOps:
    """The directives of ``downgrade()``."""

    ops: list[Directive] = field(default_factory=list)
    downgrade_token: str = "downgrades"

    def is_empty(self) -> bool:
        """Whether there is nothing to undo."""
        return not any(not (isinstance(op, ModifyTableOps) and op.is_empty()) for op in self.ops)

    def __iter__(self) -> Iterator[Directive]:
        return iter(self.ops)


def _reverse_directive(op: Directive) -> Directive:
    # ExecuteSQLOp.reverse() raises IrreversibleOperation: SQL has no known reverse.
    return op.reverse()


@dataclass
class MigrationScript:
    """One revision file to write: its id, message, parents and directives.

    ``upgrade_ops_list``/``downgrade_ops_list`` hold one entry per database in a
    multi-database project (the first is the default database).
    """

    rev_id: str | None
    message: str | None
    upgrade_ops_list: list[UpgradeOps]
    downgrade_ops_list: list[DowngradeOps]
    head: str = "head"
    splice: bool = False
    branch_label: str | list[str] | None = None
    version_path: str | None = None
    depends_on: str | list[str] | None = None
    imports: set[str] = field(default_factory=set)

    @property
    def upgrade_ops(self) -> UpgradeOps:
        """The default database's upgrade directives."""
        return self.upgrade_ops_list[0]

    @property
    def downgrade_ops(self) -> DowngradeOps:
        """The default database's downgrade directives."""
        return self.downgrade_ops_list[0]
