"""The revision graph: revisions, their links, and the identifiers that name them.

A :class:`RevisionGraph` is built once from the revisions of a migrations folder and answers
every question the commands ask: which revision an identifier names, which revisions an
upgrade or a downgrade runs and in what order, and which revisions a history range holds.
It is pure (no I/O) and precomputes children, heads, bases and one topological order, so
each question costs at most one walk over the graph.

Two kinds of parent links exist, as in Alembic: ``down_revision`` (the *versioned* links that
make branches, heads and bases) and ``depends_on`` (dependencies that an upgrade must apply
first but that do not merge branches). The identifier grammar follows Alembic's; see
:meth:`RevisionGraph.resolve`.
"""

from __future__ import annotations

import bisect
import functools
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence

from ..errors import (
    AmbiguousRevision,
    AmbiguousStep,
    CycleDetected,
    DuplicateBranchLabel,
    DuplicateRevision,
    MissingParent,
    MultipleHeads,
    RangeNotAncestor,
    RelativeOutOfRange,
    TargetIsNotAncestor,
    UnknownRevision,
)
from .ranges import parse_range
from .revision import Revision

__all__ = ["MIN_PREFIX", "Revision", "RevisionGraph", "parse_range"]

MIN_PREFIX = 3
"""Fewest characters of a partial revision id. Alembic matches any prefix and only hints at
four characters when nothing matches; one or two characters are almost always a typo, so a
shorter prefix is reported as unknown instead of silently picking a revision."""

# [label@][symbol](+|-)N, where symbol is a revision id, 'head', 'heads', 'base' or 'current'.
_RELATIVE = re.compile(r"(?:(?P<label>[^@]+)@)?(?P<symbol>\w+)?(?P<step>[+-]\d+)")

_EMPTY: frozenset[str] = frozenset()


def _dedupe(items: tuple[str, ...]) -> tuple[str, ...]:
    return items if len(items) < 2 else tuple(dict.fromkeys(items))


class RevisionGraph:
    """The validated graph of all revisions, with identifier resolution and path planning.

    Revisions keep the order they were given in (the loader gives them in file-name order,
    as Alembic does); that order breaks ties wherever the graph allows several orders.
    """

    def __init__(
        self,
        revisions: Iterable[Revision],
        replaced: Mapping[str, str] | None = None,
        equivalent: Mapping[str, str] | None = None,
    ) -> None:
        #: Revisions left out because a squash revision stands for them -> that squash
        #: (see :mod:`.squashes`).
        self.replaced: Mapping[str, str] = dict(replaced or {})
        #: Ids left out that name the same point as a revision of the graph (the end of a
        #: squashed range and its squash): an identifier naming one is answered with it.
        self.equivalent: Mapping[str, str] = dict(equivalent or {})
        revs: dict[str, Revision] = {}
        for rev in revisions:
            if rev.revision in revs:
                paths = [r.path or "?" for r in (revs[rev.revision], rev)]
                raise DuplicateRevision(rev.revision, paths)
            revs[rev.revision] = rev
        self._revs = revs
        self._sorted_ids = sorted(revs)

        self._labels: dict[str, str] = {}
        for rev in revs.values():
            if not rev.branch_labels:
                continue
            for label in sorted(rev.branch_labels):
                owner = self._labels.get(label) or (label if label in revs else None)
                if owner is not None:
                    raise DuplicateBranchLabel(label, [owner, rev.revision])
                self._labels[label] = rev.revision

        self._children: dict[str, list[str]] = {rev_id: [] for rev_id in revs}
        self._all_children: dict[str, list[str]] = {rev_id: [] for rev_id in revs}
        self._deps: dict[str, tuple[str, ...]] = {}
        self._all_parents: dict[str, tuple[str, ...]] = {}
        for rev in revs.values():
            for parent in rev.down_revisions:
                if parent not in revs:
                    raise MissingParent(rev.revision, parent, rev.path)
            deps = tuple(self._resolve_dependency(rev, dep) for dep in rev.depends_on)
            self._deps[rev.revision] = _dedupe(deps)
            self._all_parents[rev.revision] = _dedupe(rev.down_revisions + deps)
            for parent in rev.down_revisions:
                self._children[parent].append(rev.revision)
            for parent in self._all_parents[rev.revision]:
                self._all_children[parent].append(rev.revision)

        self._check_cycles()
        self.heads: tuple[str, ...] = tuple(r for r in revs if not self._children[r])
        """Revisions no other revision names as ``down_revision`` (what ``heads`` lists)."""
        self.real_heads: tuple[str, ...] = tuple(r for r in revs if not self._all_children[r])
        """Heads that no revision depends on either (what the symbol ``heads`` means)."""
        self.bases: tuple[str, ...] = tuple(r for r in revs if not revs[r].down_revisions)
        """Revisions without ``down_revision``."""
        # The order and the effective parents are worked out when first needed: listing
        # heads or checking one revision does not need them.

    @functools.cached_property
    def _order(self) -> list[str]:
        return self._topological_order()

    @functools.cached_property
    def _rank(self) -> dict[str, int]:
        return {rev_id: i for i, rev_id in enumerate(self._order)}

    @functools.cached_property
    def _effective(self) -> dict[str, tuple[str, ...]]:
        return self._effective_parents()

    # --- construction helpers ------------------------------------------------------------

    def _resolve_dependency(self, rev: Revision, dep: str) -> str:
        if dep in self._revs:
            found = dep
        elif dep in self._labels:
            found = self._labels[dep]
        else:
            try:
                found = self._lookup_prefix(dep, None, dep)
            except UnknownRevision:
                raise MissingParent(rev.revision, dep, rev.path) from None
        if found == rev.revision:
            raise CycleDetected([rev.revision])
        return found

    def _check_cycles(self) -> None:
        # Kahn's algorithm over both kinds of link; whatever is left sits on or above a cycle.
        pending = {rev_id: len(parents) for rev_id, parents in self._all_parents.items()}
        ready = [rev_id for rev_id, count in pending.items() if count == 0]
        while ready:
            rev_id = ready.pop()
            del pending[rev_id]
            for child in self._all_children[rev_id]:
                pending[child] -= 1
                if pending[child] == 0:
                    ready.append(child)
        if not pending:
            return
        # Each left-over revision has a left-over parent: walk parents until one repeats.
        walk: list[str] = []
        seen: dict[str, int] = {}
        node = next(iter(pending))
        while node not in seen:
            seen[node] = len(walk)
            walk.append(node)
            node = next(p for p in self._all_parents[node] if p in pending)
        cycle = walk[seen[node] :]
        cycle.reverse()  # parents first reads in upgrade order
        raise CycleDetected(cycle)

    def _topological_order(self) -> list[str]:
        # Depth-first from the heads, emitting a revision after all its parents. Heads and
        # parents are visited last-first so that, for revisions given in file-name order, the
        # order matches the one Alembic applies (the branch listed last runs first).
        order: list[str] = []
        done: set[str] = set()
        for head in reversed(self.real_heads):
            if head in done:
                continue
            stack: list[tuple[str, Iterator[str]]] = [(head, reversed(self._all_parents[head]))]
            done.add(head)
            while stack:
                node, parents = stack[-1]
                for parent in parents:
                    if parent not in done:
                        done.add(parent)
                        stack.append((parent, reversed(self._all_parents[parent])))
                        break
                else:
                    stack.pop()
                    order.append(node)
        return order

    def _effective_parents(self) -> dict[str, tuple[str, ...]]:
        # A dependency that an ancestor (along down_revision) already declares adds nothing:
        # Alembic drops it from the revision's parents when moving version rows.
        inherited: dict[str, frozenset[str]] = {}
        effective: dict[str, tuple[str, ...]] = {}
        for rev_id in self._order:
            down = self._revs[rev_id].down_revisions
            if not down:
                inh = _EMPTY
            elif len(down) == 1 and not self._deps[down[0]]:
                inh = inherited[down[0]]  # shared, so a long chain costs nothing
            else:
                inh = frozenset().union(*(inherited[p] | set(self._deps[p]) for p in down))
            inherited[rev_id] = inh
            kept = tuple(d for d in self._deps[rev_id] if d not in inh)
            effective[rev_id] = _dedupe(down + kept)
        return effective

    # --- basic access ------------------------------------------------------------------

    def get(self, rev_id: str) -> Revision:
        """The revision with exactly this id (no prefixes or symbols)."""
        try:
            return self._revs[rev_id]
        except KeyError:
            raise UnknownRevision(rev_id) from None

    def __contains__(self, rev_id: object) -> bool:
        return rev_id in self._revs

    def __len__(self) -> int:
        return len(self._revs)

    def __iter__(self) -> Iterator[Revision]:
        """All revisions in topological order: every revision after its parents."""
        return (self._revs[rev_id] for rev_id in self._order)

    def children(self, rev_id: str) -> tuple[str, ...]:
        """The revisions whose ``down_revision`` names ``rev_id``."""
        self.get(rev_id)
        return tuple(self._children[rev_id])

    def dependents(self, rev_id: str) -> tuple[str, ...]:
        """The revisions naming ``rev_id`` as ``down_revision`` or in ``depends_on``."""
        self.get(rev_id)
        return tuple(self._all_children[rev_id])

    def is_branch_point(self, rev_id: str) -> bool:
        """True when several revisions have ``rev_id`` as ``down_revision``."""
        return len(self.children(rev_id)) > 1

    def dependencies(self, rev_id: str) -> tuple[str, ...]:
        """The full ids ``depends_on`` of ``rev_id`` resolves to."""
        self.get(rev_id)
        return self._deps[rev_id]

    def effective_down_revisions(self, rev_id: str) -> tuple[str, ...]:
        """``down_revisions`` plus the dependencies no ancestor already declares.

        These are the revisions whose version rows an upgrade of ``rev_id`` replaces.
        """
        self.get(rev_id)
        return self._effective[rev_id]

    def ancestors(self, ids: Iterable[str]) -> set[str]:
        """``ids`` and every revision they build on, through both kinds of link."""
        return self._closure(ids, self._all_parents)

    def descendants(self, ids: Iterable[str]) -> set[str]:
        """``ids`` and every revision building on them, through both kinds of link."""
        return self._closure(ids, self._all_children)

    def _closure(
        self, ids: Iterable[str], links: dict[str, tuple[str, ...]] | dict[str, list[str]]
    ) -> set[str]:
        todo = [self.get(rev_id).revision for rev_id in ids]
        seen = set(todo)
        while todo:
            for nxt in links[todo.pop()]:
                if nxt not in seen:
                    seen.add(nxt)
                    todo.append(nxt)
        return seen

    def _versioned_ancestors(self, ids: Iterable[str]) -> set[str]:
        todo = list(ids)
        seen = set(todo)
        while todo:
            for nxt in self._revs[todo.pop()].down_revisions:
                if nxt not in seen:
                    seen.add(nxt)
                    todo.append(nxt)
        return seen

    def _versioned_descendants(self, ids: Iterable[str]) -> set[str]:
        return self._closure(ids, self._children)

    def _lineage(self, rev_id: str) -> set[str]:
        """The branch ``rev_id`` is on: its versioned ancestors and descendants."""
        return self._versioned_ancestors([rev_id]) | self._versioned_descendants([rev_id])

    def _sorted(self, ids: Iterable[str], newest_first: bool = False) -> list[Revision]:
        ordered = sorted(ids, key=self._rank.__getitem__, reverse=newest_first)
        return [self._revs[rev_id] for rev_id in ordered]

    # --- identifiers --------------------------------------------------------------------

    def resolve(self, identifier: str, current: Sequence[str] = ()) -> tuple[str, ...]:
        """The revision ids an identifier names; ``()`` means base.

        Accepted forms: ``base``; ``head`` (the single head, else :class:`MultipleHeads`);
        ``heads`` (every head nothing depends on); ``current`` (``current`` as given, the
        database's heads); a full id; a unique prefix of at least :data:`MIN_PREFIX`
        characters; a branch label (the revision that declares it); ``x@head``, ``x@heads``,
        ``x@base``, ``x@current`` and ``x@<id or prefix>``, where ``x`` is a branch label or
        a revision and names the branch through it; relative steps ``+N``/``-N`` (from
        ``current``), ``<symbol>+N``/``<symbol>-N`` (from a revision, ``head``, ``heads``,
        ``base`` or ``current``) and ``x@+N``/``x@-N``/``x@<symbol>-N`` along branch ``x``.
        Steps follow ``down_revision`` links; a step past base or a head raises
        :class:`RelativeOutOfRange`, a step through a branch or merge point
        :class:`AmbiguousStep`.
        """
        return self._resolve(identifier.strip(), self._checked(current))

    def resolve_one(self, identifier: str, current: Sequence[str] = ()) -> str | None:
        """The single revision an identifier names, ``None`` for base."""
        ids = self.resolve(identifier, current)
        if len(ids) > 1:
            raise MultipleHeads(identifier, ids)
        return ids[0] if ids else None

    def _checked(self, current: Sequence[str]) -> tuple[str, ...]:
        return tuple(self.get(rev_id).revision for rev_id in current)

    def _resolve(self, text: str, current: tuple[str, ...]) -> tuple[str, ...]:
        if text == "base":
            return ()
        if text == "heads":
            return self.real_heads
        if text == "head":
            return self._single_head(self.heads, text)
        if text == "current":
            return current
        if text in self._revs:
            return (text,)
        if text in self._labels:
            return (self._labels[text],)
        if text in self.equivalent and self.equivalent[text] in self._revs:
            return (self.equivalent[text],)
        if text in self.replaced:
            raise UnknownRevision(
                text,
                f"revision {text} is replaced by the squash revision {self.replaced[text]} and "
                "only exists inside it; name a revision before or after the squash",
            )
        match = _RELATIVE.fullmatch(text)
        if match:
            label, symbol, step = match.group("label", "symbol", "step")
            return self._relative(text, label, symbol, int(step), current)
        if "@" in text:
            label, rest = text.split("@", 1)
            branch = self._branch_revision(label)
            lineage = self._lineage(branch)
            if rest == "heads":
                return tuple(h for h in self.heads if h in lineage)
            if rest == "head":
                return self._single_head(tuple(h for h in self.heads if h in lineage), text)
            if rest == "base":
                return ()
            if rest == "current":
                return tuple(c for c in current if c in lineage)
            return (self._lookup(rest, lineage, text, label),)
        return (self._lookup(text, None, text),)

    def _single_head(self, heads: tuple[str, ...], text: str) -> tuple[str, ...]:
        if len(heads) > 1:
            raise MultipleHeads(text, heads)
        return heads

    def _branch_revision(self, label: str) -> str:
        if label in self._labels:
            return self._labels[label]
        try:
            return self._lookup(label, None, label)
        except UnknownRevision:
            raise UnknownRevision(
                label, f"'{label}' is neither a branch label nor a revision"
            ) from None

    def _lookup(self, ident: str, within: set[str] | None, text: str, label: str = "") -> str:
        if ident in self._revs or ident in self._labels:
            found = self._revs[ident].revision if ident in self._revs else self._labels[ident]
            if within is not None and found not in within:
                raise UnknownRevision(text, f"revision {found} is not on branch '{label}'")
            return found
        return self._lookup_prefix(ident, within, text, label)

    def _lookup_prefix(
        self, prefix: str, within: set[str] | None, text: str, label: str = ""
    ) -> str:
        if len(prefix) < MIN_PREFIX:
            raise UnknownRevision(
                text, f"type at least {MIN_PREFIX} characters of a revision id, or a branch label"
            )
        start = bisect.bisect_left(self._sorted_ids, prefix)
        matches: list[str] = []
        for rev_id in self._sorted_ids[start:]:
            if not rev_id.startswith(prefix):
                break
            matches.append(rev_id)
        found = matches if within is None else [m for m in matches if m in within]
        if not found:
            if matches:
                listed = ", ".join(matches)
                raise UnknownRevision(text, f"revision {listed} is not on branch '{label}'")
            raise UnknownRevision(text)
        if len(found) > 1:
            raise AmbiguousRevision(text, found)
        return found[0]

    def _relative(
        self, text: str, label: str | None, symbol: str | None, steps: int, current: tuple[str, ...]
    ) -> tuple[str, ...]:
        lineage = self._lineage(self._branch_revision(label)) if label else None
        start: str | None
        if symbol is None or symbol == "current":
            starts = self._current_on(current, lineage)
            if not starts and steps < 0:
                raise RelativeOutOfRange(text, "down")
            if len(starts) > 1:
                raise MultipleHeads(text, starts)
            start = starts[0] if starts else None
        elif symbol == "base":
            start = None
        else:
            named = f"{label}@{symbol}" if label else symbol
            ids = self._resolve(named, current)
            if len(ids) > 1:
                raise MultipleHeads(text, ids)
            start = ids[0] if ids else None
        if steps >= 0:
            return self._walk_up(text, start, steps, lineage)
        return self._walk_down(text, start, -steps)

    def _current_on(self, current: tuple[str, ...], lineage: set[str] | None) -> tuple[str, ...]:
        """The current revision(s) to step from, restricted to a branch when one is named."""
        if lineage is None:
            return current
        on_branch = tuple(c for c in current if c in lineage)
        if on_branch or not current:
            return on_branch
        # The branch's head row may have been replaced by a revision depending on it: step
        # from the newest applied revisions of the branch instead.
        applied = self.ancestors(current) & lineage
        below = {p for rev_id in applied for p in self._all_parents[rev_id]}
        return tuple(r for r in self._order if r in applied and r not in below)

    def _walk_up(
        self, text: str, start: str | None, steps: int, lineage: set[str] | None
    ) -> tuple[str, ...]:
        node = start
        for _ in range(steps):
            nxt: Sequence[str] = self._children[node] if node is not None else self.bases
            if lineage is not None:
                nxt = [c for c in nxt if c in lineage]
            if not nxt:
                raise RelativeOutOfRange(text, "up")
            if len(nxt) > 1:
                raise AmbiguousStep(text, node or "base", nxt)
            node = nxt[0]
        return (node,) if node is not None else ()

    def _walk_down(self, text: str, start: str | None, steps: int) -> tuple[str, ...]:
        node = start
        for _ in range(steps):
            if node is None:
                raise RelativeOutOfRange(text, "down")
            parents = self._revs[node].down_revisions
            if len(parents) > 1:
                raise AmbiguousStep(text, node, parents)
            node = parents[0] if parents else None
        return (node,) if node is not None else ()

    # --- paths --------------------------------------------------------------------------

    def upgrade_path(self, current: Sequence[str], target: str) -> list[Revision]:
        """The revisions an upgrade from ``current`` to ``target`` applies, in order.

        That is every ancestor of the target (dependencies included) not yet applied,
        parents before children. Upgrading to a revision already below a current head
        raises :class:`TargetIsNotAncestor`; upgrading to where the database is is empty.
        """
        cur = self._checked(current)
        targets = self.resolve(target, cur)
        applied = self.ancestors(cur)
        needed = self.ancestors(targets) - applied
        if not needed:
            below = self._versioned_ancestors(cur) - set(cur)
            if any(t in below for t in targets):
                raise TargetIsNotAncestor(target, "upgrade", cur)
        return self._sorted(needed)

    def downgrade_path(self, current: Sequence[str], target: str) -> list[Revision]:
        """The revisions a downgrade from ``current`` to ``target`` reverts, in order.

        Those are the applied revisions that build on the target (or every applied
        revision for ``base``), children before parents. ``label@base``/``label@<rev>``
        only touches that branch; ``-N`` steps down along the (single) current head.
        """
        cur = self._checked(current)
        text = target.strip()
        branch: str | None = None
        match = None if text in self._revs or text in self._labels else _RELATIVE.fullmatch(text)
        if match:
            label, symbol, step = match.group("label", "symbol", "step")
            if symbol is None and int(step) >= 0:
                raise TargetIsNotAncestor(text, "downgrade", cur)
            if label:
                branch = self._branch_revision(label)
            elif symbol is None:
                # Like Alembic, a plain '-N' only unwinds the branch of the current head.
                branch = cur[0] if len(cur) == 1 else None
        elif "@" in text:
            branch = self._branch_revision(text.split("@", 1)[0])
        ids = self._resolve(text, cur)
        if len(ids) > 1:
            raise MultipleHeads(text, ids)
        dest = ids[0] if ids else None

        roots: Sequence[str] = self.bases if dest is None else self._children[dest]
        if branch is not None and len(roots) > 1:
            on_branch = self._versioned_ancestors([branch])
            roots = [r for r in roots if r in on_branch]
            if not roots:
                raise TargetIsNotAncestor(text, "downgrade", cur)
        removed = self.descendants(roots) & self.ancestors(cur)
        if dest is not None and not removed and dest not in cur:
            raise TargetIsNotAncestor(text, "downgrade", cur)
        return self._sorted(removed, newest_first=True)

    def history(
        self, lower: str | None, upper: str | None, current: Sequence[str] = ()
    ) -> list[Revision]:
        """The revisions from ``lower`` up to ``upper`` (both included), newest first.

        ``None`` ends mean base and the heads, as in ``alembic history -r a:b``. Relative
        ends step from ``current``; without it, ``-N`` steps down from the heads.
        """
        cur = self._checked(current)
        low, up = lower or "base", upper or "heads"
        uppers = self._resolve(up, self._reference(up, cur))
        lowers = self._resolve(low, self._reference(low, cur))
        wanted = self.ancestors(uppers)
        if any(rev_id not in wanted for rev_id in lowers):
            raise RangeNotAncestor(low, up)
        chosen = (wanted - self.ancestors(lowers)) | set(lowers)
        if lowers:
            chosen &= self._versioned_descendants(lowers)
        return self._sorted(chosen, newest_first=True)

    def _reference(self, text: str, current: tuple[str, ...]) -> tuple[str, ...]:
        if current or not text.startswith("-"):
            return current
        return self.real_heads
