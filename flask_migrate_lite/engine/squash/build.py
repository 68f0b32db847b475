"""From a run of revisions to the bodies of one squash revision's ``upgrade()`` and
``downgrade()``.

Each revision's ``upgrade()`` and ``downgrade()`` run in the lint's recording context
(:mod:`..lint.recording`), which keeps the operations instead of carrying them out. A
revision whose functions do only what the recorder replays faithfully joins its neighbours
in one *piece* of operations: the upgrades in order, the downgrades in reverse order, each
reduced by :func:`.optimizer.optimize`. A revision that does more (SQL, rows, the
connection, an ``autocommit_block()``, or code that fails without a database) is a piece of
its own, kept as written (:mod:`.source`): nothing is moved across it.
"""

from __future__ import annotations

import types
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from sqlalchemy.engine import Dialect

from ..autogenerate.directives import Directive, ModifyTableOps, TableOp, UpgradeOps
from ..autogenerate.render import FOOTER, HEADER, RenderOptions, render_upgrade
from ..errors import CommandError
from ..lint.recording import AutocommitBlock, BatchRebuild, record
from ..operations import ops
from ..script.revision import Revision
from .optimizer import optimize
from .source import EMPTY, FunctionSource, function_source, uses_connection

__all__ = ["Piece", "Squash", "build_squash", "render_squash"]

STEP = "    "


@dataclass
class Piece:
    """Revisions whose operations are combined, or one revision kept as written."""

    revisions: list[Revision]
    upgrade: list[ops.MigrateOp] = field(default_factory=list)
    downgrade: list[ops.MigrateOp] = field(default_factory=list)
    kept_upgrade: FunctionSource | None = None
    kept_downgrade: FunctionSource | None = None

    @property
    def kept(self) -> bool:
        """Whether the revision is kept as written."""
        return self.kept_upgrade is not None or self.kept_downgrade is not None


@dataclass
class Squash:
    """What a squash revision will hold, piece by piece."""

    revisions: list[Revision]
    pieces: list[Piece]

    @property
    def operations(self) -> int:
        """How many operations remain: each reduced operation, and one per kept function."""
        return sum(1 if piece.kept else len(piece.upgrade) for piece in self.pieces)


def _replayed(
    rev: Revision,
    function: Callable[[], object] | None,
    dialect: Dialect,
    x_args: Mapping[str, str],
) -> list[ops.MigrateOp] | None:
    """The operations ``function`` makes, or ``None`` when they cannot stand for it."""
    if function is None:
        return []
    recording = record(function, rev.path or rev.revision, dialect, x_args)
    if recording.error is not None:
        return None
    found: list[ops.MigrateOp] = []
    for entry in recording.entries:
        operation = entry.operation
        if entry.autocommit or isinstance(operation, AutocommitBlock):
            return None
        items = operation.operations if isinstance(operation, BatchRebuild) else (operation,)
        for item in items:
            if isinstance(item, (ops.ExecuteSQLOp, ops.BulkInsertOp)):
                return None
            if isinstance(item, ops.DropIndexOp) and item.table_name is None:
                return None  # the table is needed to place it among the others
            found.append(item)
    return found


def build_squash(
    revisions: Sequence[Revision],
    load: Callable[[str], types.ModuleType],
    dialect: Dialect,
    x_args: Mapping[str, str],
    squash_range: str,
) -> Squash:
    """Record ``revisions`` (oldest first) and reduce them into pieces."""
    pieces: list[Piece] = []
    for rev in revisions:
        module = load(rev.revision)
        upgrade = getattr(module, "upgrade", None)
        downgrade = getattr(module, "downgrade", None)
        up = down = None
        if not (uses_connection(rev, "upgrade") or uses_connection(rev, "downgrade")):
            up = _replayed(rev, upgrade, dialect, x_args)
            down = _replayed(rev, downgrade, dialect, x_args)
        if up is None or down is None:
            kept_up = function_source(rev, "upgrade", squash_range)
            kept_down = function_source(rev, "downgrade", squash_range)
            pieces.append(
                Piece(
                    [rev],
                    kept_upgrade=kept_up or EMPTY,
                    kept_downgrade=kept_down or EMPTY,
                )
            )
            continue
        if not pieces or pieces[-1].kept:
            pieces.append(Piece([]))
        piece = pieces[-1]
        piece.revisions.append(rev)
        piece.upgrade.extend(up)
        piece.downgrade[:0] = down
    for piece in pieces:
        if not piece.kept:
            piece.upgrade = optimize(piece.upgrade)
            piece.downgrade = optimize(piece.downgrade)
    _check_imports(pieces)
    return Squash(list(revisions), pieces)


def _check_imports(pieces: Sequence[Piece]) -> None:
    seen: dict[str, tuple[str, str]] = {}
    for piece in pieces:
        for kept in (piece.kept_upgrade, piece.kept_downgrade):
            if kept is None:
                continue
            for name, line in kept.imports.items():
                other = seen.setdefault(name, (line, piece.revisions[0].revision))
                if other[0] != line:
                    raise CommandError(
                        f"Revisions {other[1]} and {piece.revisions[0].revision} import the "
                        f"name {name} differently ({other[0]!r}, {line!r}), so they cannot be "
                        "kept as written in one squash; squash a range holding only one of them."
                    )


# --- rendering -------------------------------------------------------------------------------


def _directives(operations: Sequence[ops.MigrateOp]) -> list[Directive]:
    out: list[Directive] = []
    for op in operations:
        if isinstance(op, (ops.CreateTableOp, ops.DropTableOp, ops.RenameTableOp)):
            out.append(op)
            continue
        if isinstance(op, (ops.ExecuteSQLOp, ops.BulkInsertOp)):  # pragma: no cover
            raise AssertionError("SQL is kept as written, never rendered")
        table_op: TableOp = op
        if isinstance(op, ops.CreateForeignKeyOp):
            name, schema = op.source_table, op.source_schema
        else:
            name, schema = op.table_name or "", op.schema
        last = out[-1] if out else None
        if isinstance(last, ModifyTableOps) and (last.table_name, last.schema) == (name, schema):
            last.ops.append(table_op)
        else:
            out.append(ModifyTableOps(name, [table_op], schema))
    return out


def _ops_lines(
    operations: Sequence[ops.MigrateOp], options: RenderOptions, imports: set[str]
) -> list[str]:
    if not operations:
        return []
    text = render_upgrade(UpgradeOps(_directives(operations)), options, imports)
    lines = [line for line in text.split("\n") if line.strip() not in (HEADER, FOOTER)]
    while lines and not lines[-1].strip():
        lines.pop()
    return lines


def _kept_lines(rev: Revision, name: str, kept: FunctionSource) -> list[str]:
    if kept == EMPTY:
        return []
    helper = f"{name}_{rev.revision}"
    doc = f": {rev.doc}" if rev.doc else ""
    return [
        f"{STEP}# {name}() of revision {rev.revision}{doc}, kept as written",
        f"{STEP}def {helper}():",
        *kept.indented(STEP * 2),
        "",
        f"{STEP}{helper}()",
    ]


def render_squash(squash: Squash, options: RenderOptions, imports: set[str]) -> tuple[str, str]:
    """The bodies of the squash's ``upgrade()`` and ``downgrade()`` (the first line without
    its indent, as the revision template places them); import lines are added to
    ``imports``."""
    up: list[str] = []
    down: list[str] = []
    for piece in squash.pieces:
        if piece.kept:
            rev = piece.revisions[0]
            assert piece.kept_upgrade is not None and piece.kept_downgrade is not None
            up_part = _kept_lines(rev, "upgrade", piece.kept_upgrade)
            down_part = _kept_lines(rev, "downgrade", piece.kept_downgrade)
            imports.update(piece.kept_upgrade.imports.values())
            imports.update(piece.kept_downgrade.imports.values())
        else:
            up_part = _ops_lines(piece.upgrade, options, imports)
            down_part = _ops_lines(piece.downgrade, options, imports)
        if up_part:
            up += ([""] if up else []) + up_part
        if down_part:
            down = down_part + ([""] if down else []) + down
    return _body(up), _body(down)


def _body(lines: list[str]) -> str:
    if not lines:
        return "pass"
    return "\n".join(lines).removeprefix(STEP)
