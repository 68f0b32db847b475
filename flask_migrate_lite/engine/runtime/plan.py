"""Plans: the steps of an upgrade, downgrade or stamp and their version-table changes.

The version table holds one row per current head. Each step says exactly which rows it
inserts, deletes or updates, following the rules Alembic applies, so a database migrated by
either tool holds the same rows:

* upgrade of a base, or of a revision none of whose parents is a current head: insert;
* upgrade of a merge whose parents are several current heads: delete all of them but one
  and update the last one to the merge (parents that another remaining head still builds on
  stay);
* downgrade of a base, or of a revision whose parents are all implied by the other heads:
  delete;
* downgrade of a merge: update the merge's row to one parent and insert the others (parents
  implied by the other heads are left out);
* anything else: update the row of the parent (or of the revision) in place.

The heads are simulated through the plan, so each :class:`Step` carries the heads before
and after it. Pure: nothing here touches a database.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from ..errors import AmbiguousStep, TargetIsNotAncestor
from ..script.graph import RevisionGraph
from ..script.revision import Revision

_STEPS_BACK = re.compile(r"-(\d+)")

__all__ = [
    "Step",
    "VersionChange",
    "pending_revisions",
    "plan_downgrade",
    "plan_stamp",
    "plan_upgrade",
    "with_rows",
]


@dataclass(frozen=True)
class VersionChange:
    """One change to the version table: insert ``new``, delete ``old``, or update one to the
    other."""

    kind: Literal["insert", "delete", "update"]
    old: str | None
    new: str | None


@dataclass(frozen=True)
class Step:
    """One migration to run (``revision``'s ``upgrade()`` or ``downgrade()``) and the version
    table changes that go with it."""

    revision: Revision
    is_upgrade: bool
    changes: tuple[VersionChange, ...]
    heads_before: tuple[str, ...]
    heads_after: tuple[str, ...]

    def describe(self) -> str:
        """The step the way Alembic logs it, e.g. ``upgrade a1 -> b2, add users``."""
        rev = self.revision
        parents = ", ".join(rev.down_revisions)
        if self.is_upgrade:
            text = f"upgrade {parents} -> {rev.revision}"
        else:
            text = f"downgrade {rev.revision} -> {parents}"
        return f"{text}, {rev.doc}" if rev.doc else text


class _Heads:
    """The rows of the version table while a plan is simulated, in a stable order."""

    def __init__(self, heads: Sequence[str]) -> None:
        self.rows = list(dict.fromkeys(heads))
        self.changes: list[VersionChange] = []

    def insert(self, rev_id: str) -> None:
        self.rows.append(rev_id)
        self.changes.append(VersionChange("insert", None, rev_id))

    def delete(self, rev_id: str) -> None:
        self.rows.remove(rev_id)
        self.changes.append(VersionChange("delete", rev_id, None))

    def update(self, old: str, new: str) -> None:
        self.rows[self.rows.index(old)] = new
        self.changes.append(VersionChange("update", old, new))

    def take(self) -> tuple[VersionChange, ...]:
        changes, self.changes = tuple(self.changes), []
        return changes


class _Simulation:
    """Runs the version-row rules over a plan, keeping the set of applied revisions."""

    def __init__(self, graph: RevisionGraph, current: Sequence[str]) -> None:
        self.graph = graph
        self.heads = _Heads(current)
        # Every applied revision; kept up to date so "is this revision below one of those
        # rows?" only searches applied revisions, instead of all ancestors at every step.
        self.applied = graph.ancestors(self.heads.rows)

    def _below_any(self, rev_id: str, rows: set[str]) -> bool:
        """True when ``rev_id`` is one of ``rows`` or an ancestor of one of them."""
        if rev_id in rows:
            return True
        todo = [rev_id]
        seen = {rev_id}
        while todo:
            for child in self.graph.dependents(todo.pop()):
                if child in rows:
                    return True
                if child in self.applied and child not in seen:
                    seen.add(child)
                    todo.append(child)
        return False

    def upgrade(self, rev_id: str) -> None:
        heads = self.heads
        parents = self.graph.effective_down_revisions(rev_id)
        present = [p for p in parents if p in heads.rows]
        if not present:
            # A base, or a branch starting below the current heads (or beside them).
            heads.insert(rev_id)
        elif len(present) > 1:
            # A merge: a parent that another remaining head builds on keeps its row.
            others = {h for h in heads.rows if h not in parents}
            merged = [p for p in present if not self._below_any(p, others)] or present
            for parent in merged[:-1]:
                heads.delete(parent)
            heads.update(merged[-1], rev_id)
        else:
            heads.update(present[0], rev_id)
        self.applied.add(rev_id)

    def downgrade(self, rev_id: str) -> None:
        heads = self.heads
        parents = self.graph.effective_down_revisions(rev_id)
        if rev_id in heads.rows:
            restored = self._restored(rev_id, parents)
            if not restored:
                heads.delete(rev_id)
            elif len(parents) > 1:
                for parent in restored[:-1]:
                    heads.insert(parent)
                heads.update(rev_id, restored[-1])
            else:
                heads.update(rev_id, parents[0])
        # Otherwise the revision has no row of its own (a table with redundant rows):
        # there is nothing to change.
        self.applied.discard(rev_id)

    def _restored(self, rev_id: str, parents: tuple[str, ...]) -> list[str]:
        """The parents of ``rev_id`` that need a row of their own once it is reverted."""
        others = {h for h in self.heads.rows if h != rev_id}
        if others:
            return [p for p in parents if not self._below_any(p, others)]
        # Alone in the table: a parent below another parent comes back implicitly.
        return [p for p in parents if not self._below_any(p, set(parents) - {p})]


def _steps(
    graph: RevisionGraph, current: Sequence[str], revisions: list[Revision], is_upgrade: bool
) -> list[Step]:
    sim = _Simulation(graph, current)
    steps = []
    for rev in revisions:
        before = tuple(sim.heads.rows)
        if is_upgrade:
            sim.upgrade(rev.revision)
        else:
            sim.downgrade(rev.revision)
        changes = sim.heads.take()
        steps.append(Step(rev, is_upgrade, changes, before, tuple(sim.heads.rows)))
    return steps


def plan_upgrade(graph: RevisionGraph, current_heads: Sequence[str], target: str) -> list[Step]:
    """The steps that upgrade a database at ``current_heads`` to ``target``.

    A target below the current revisions is refused (:class:`TargetIsNotAncestor`, which
    names ``downgrade``), base included: base, or a step down to it, is never an upgrade of a
    database that has revisions applied.
    """
    path = graph.upgrade_path(current_heads, target)
    if not path and current_heads and not graph.resolve(target, current_heads):
        text = target.strip()
        label = text.split("@", 1)[0] if text.endswith("@base") else None
        # 'label@base' is below the database only when that branch has revisions applied.
        if label is None or graph.resolve(f"{label}@current", current_heads):
            raise TargetIsNotAncestor(text, "upgrade", current_heads)
    return _steps(graph, current_heads, path, True)


def pending_revisions(graph: RevisionGraph, current_heads: Sequence[str]) -> list[str]:
    """The revisions an upgrade to every head would apply, oldest first."""
    return [rev.revision for rev in graph.upgrade_path(current_heads, "heads")]


def plan_downgrade(graph: RevisionGraph, current_heads: Sequence[str], target: str) -> list[Step]:
    """The steps that downgrade a database at ``current_heads`` to ``target``.

    ``-N`` from a merge revision is not a walk to one revision (Alembic calls it ambiguous)
    but N migrations to revert: the merge, then its parents while one head remains.
    """
    try:
        path = graph.downgrade_path(current_heads, target)
    except AmbiguousStep:
        match = _STEPS_BACK.fullmatch(target.strip())
        path_back = _last_migrations(graph, current_heads, int(match[1])) if match else None
        if path_back is None:
            raise
        path = path_back
    return _steps(graph, current_heads, path, False)


def _last_migrations(
    graph: RevisionGraph, current_heads: Sequence[str], count: int
) -> list[Revision] | None:
    """The last ``count`` migrations applied, while the database has a single head."""
    sim = _Simulation(graph, current_heads)
    order = []
    for _ in range(count):
        if len(sim.heads.rows) != 1:
            return None
        head = sim.heads.rows[0]
        order.append(graph.get(head))
        sim.downgrade(head)
    return order


def plan_stamp(
    graph: RevisionGraph, current_heads: Sequence[str], targets: Sequence[str], purge: bool
) -> list[VersionChange]:
    """The version-table changes that stamp ``targets`` without running migrations.

    Without ``purge``, the current heads on a target's branch (its ancestors and
    descendants, dependencies included) move to it, up or down, in one merge-like change;
    other branches keep their rows; a target on a branch not present is inserted; ``base``
    deletes the heads of the branches named (``label@base``) or all heads (plain ``base``).
    With ``purge``, every row is deleted first (rows naming unknown revisions too) and the
    targets are inserted.
    """
    heads = _Heads(current_heads)
    if purge:
        for row in list(heads.rows):
            heads.delete(row)
    current = tuple(heads.rows)
    names = [name.strip() for name in targets if name.strip()] or ["base"]

    dests: list[str] = []
    concerned: list[str] = []  # the current heads on the branches of the targets
    for name in names:
        ids = graph.resolve(name, current)
        dests.extend(ids)
        shares = list(ids)
        if "@" in name:
            # The branch itself counts, so that 'label@base' finds the branch's heads.
            shares += graph.resolve(name.split("@", 1)[0])
        related = graph.ancestors(shares) | graph.descendants(shares) if shares else None
        for head in current:
            if (related is None or head in related) and head not in concerned:
                concerned.append(head)

    if not dests:
        for head in concerned:
            heads.delete(head)
        return list(heads.take())
    for dest in dict.fromkeys(dests):
        if dest in concerned or dest in heads.rows:
            continue
        lineage = graph.ancestors([dest]) | graph.descendants([dest])
        moving = [h for h in concerned if h in lineage and h in heads.rows]
        if not moving:
            heads.insert(dest)  # a branch not in the table yet
            continue
        for head in moving[:-1]:
            heads.delete(head)
        heads.update(moving[-1], dest)
    return list(heads.take())


def with_rows(steps: list[Step], rows: Sequence[str], aliases: Mapping[str, str]) -> list[Step]:
    """``steps`` planned from version rows read through ``aliases`` (a row naming a
    replaced revision whose file is gone, read as its squash revision: see
    :mod:`..script.squashes`), with each change naming the row the table really holds."""
    if not aliases:
        return steps
    held = {aliases.get(row, row): row for row in rows}
    fixed = []
    for step in steps:
        changes = []
        for change in step.changes:
            old = held.pop(change.old, change.old) if change.old is not None else None
            if change.new is not None:
                held[change.new] = change.new
            changes.append(dataclasses.replace(change, old=old))
        fixed.append(dataclasses.replace(step, changes=tuple(changes)))
    return fixed
