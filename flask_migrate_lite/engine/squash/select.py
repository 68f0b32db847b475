"""Which revisions ``squash [A:]B`` replaces, and the header of the squash revision.

A squash replaces a straight run of revisions: from ``A`` (or the base below ``B``) up to
``B`` along ``down_revision``, with no merge above ``A`` and no branch point below ``B``
inside it, so that one file can stand for all of them at one place of the history. A
baseline (:func:`select_all`) replaces the whole history below a single head, branches and
merges included, in the order a new database runs it.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import CommandError
from ..script.graph import RevisionGraph
from ..script.ranges import RangeText
from ..script.revision import Revision

__all__ = ["SquashRange", "select_all", "select_range"]


@dataclass(frozen=True)
class SquashRange:
    """The revisions replaced (oldest first) and the squash revision's header values."""

    revisions: list[Revision]
    down_revisions: tuple[str, ...]
    branch_labels: tuple[str, ...]
    depends_on: tuple[str, ...]

    @property
    def replaces(self) -> tuple[str, ...]:
        """The ids the squash revision's ``replaces`` names."""
        return tuple(rev.revision for rev in self.revisions)


def select_range(graph: RevisionGraph, text: str) -> SquashRange:
    """The run of revisions ``text`` (``A:B``, ``:B`` or ``B``) names in ``graph``."""
    given = RangeText.parse(text)
    end = graph.resolve_one(given.end or "head")
    if end is None:
        raise CommandError(f"'{text}' ends at base; name the last revision to squash.")
    start = graph.resolve_one(given.start) if given.is_range and given.start else None
    if start is not None and (start == end or start not in graph.ancestors([end])):
        if start == end:
            raise CommandError(
                f"The range '{text}' holds one revision ({end}); a squash needs at least two."
            )
        raise CommandError(f"Revision {start} is not below {end}; give the range as older:newer.")
    chain = [end]
    node = end
    while node != start:
        parents = graph.get(node).down_revisions
        if not parents:
            if start is None:
                break
            raise CommandError(
                f"Revision {start} is not below {end}; give the range as older:newer."
            )
        if len(parents) > 1:
            raise CommandError(
                f"Revision {node} is a merge point, and a squash replaces a straight run of "
                "revisions; squash the revisions above it, or those below it (from a "
                "parent of it), instead."
            )
        node = parents[0]
        if graph.is_branch_point(node):
            raise CommandError(
                f"Revision {node} is a branch point inside the range, and a squash replaces a "
                f"straight run of revisions; squash from {node} or above it instead."
            )
        chain.append(node)
    chain.reverse()
    if len(chain) < 2:
        raise CommandError(
            f"The range '{text}' holds one revision ({end}); a squash needs at least two."
        )
    revisions = [graph.get(rev_id) for rev_id in chain]
    inside = set(chain)
    labels: list[str] = []
    deps: list[str] = []
    for rev in revisions:
        labels.extend(sorted(rev.branch_labels))
        deps.extend(dep for dep in graph.dependencies(rev.revision) if dep not in inside)
    return SquashRange(
        revisions,
        revisions[0].down_revisions,
        tuple(dict.fromkeys(labels)),
        tuple(dict.fromkeys(deps)),
    )


def select_all(graph: RevisionGraph) -> SquashRange:
    """Every revision of ``graph``, which must have one head, in upgrade order."""
    if len(graph.real_heads) != 1 or len(graph.heads) != 1:
        heads = ", ".join(graph.heads)
        raise CommandError(
            f"A baseline replaces the history below one head, and there are several "
            f"({heads}); merge them first."
        )
    revisions = list(graph)
    if not revisions:
        raise CommandError("The migrations folder has no revisions to replace.")
    if len(revisions) < 2:
        raise CommandError(
            f"The history holds one revision ({revisions[0].revision}); a baseline needs "
            "at least two."
        )
    labels = [label for rev in revisions for label in sorted(rev.branch_labels)]
    return SquashRange(revisions, (), tuple(dict.fromkeys(labels)), ())
