"""How revisions are shown by ``history``, ``heads``, ``current``, ``show`` and ``branches``.

The lines follow the shape Alembic prints (``<base> -> ad4de013e007 (head), Initial
revision``), so users and their scripts recognise them. What comes from the files (ids, labels,
messages) is shown with control characters, line separators and bidirectional controls
escaped (``\x1b``), so that a revision file cannot drive the terminal; line breaks and tabs
in a message are kept.
"""

from __future__ import annotations

from collections.abc import Collection

from .graph import Revision, RevisionGraph
from .rendering import displayed

__all__ = ["RevisionView"]


def _comma(items: Collection[str]) -> str:
    return ", ".join(_id(item) for item in items)


def _id(text: str) -> str:
    return displayed(text, keep="")


class RevisionView:
    """A revision seen in its graph, with the current heads of a database if known."""

    def __init__(
        self, graph: RevisionGraph, revision: Revision, current: Collection[str] = ()
    ) -> None:
        self.graph = graph
        self.revision = revision
        self.current = current

    @property
    def is_head(self) -> bool:
        """True when no revision builds on this one."""
        return not self.graph.children(self.revision.revision)

    @property
    def is_branch_point(self) -> bool:
        """True when several revisions build on this one."""
        return len(self.graph.children(self.revision.revision)) > 1

    @property
    def is_merge_point(self) -> bool:
        """True when this revision joins several parents."""
        return len(self.revision.down_revisions) > 1

    @property
    def is_current(self) -> bool:
        """True when the database's version table names this revision."""
        return self.revision.revision in self.current

    def _parents(self) -> str:
        return _comma(self.revision.down_revisions) or "<base>"

    def _indicators(self, tree: bool, head: bool) -> str:
        text = ""
        if head or tree:
            if self.is_head:
                text += " (head)"
            if self.is_current:
                text += " (current)"
        if tree:
            if self.is_branch_point:
                text += " (branchpoint)"
            if self.is_merge_point:
                text += " (mergepoint)"
        return text

    def line(
        self,
        *,
        branches: bool = False,
        doc: bool = False,
        parents: bool = False,
        tree: bool = True,
        head: bool = True,
    ) -> str:
        """One line: ``[parents -> ]id[ (labels)][ (head)...][, message]``."""
        rev = self.revision
        text = _id(rev.revision)
        if parents:
            if rev.depends_on:
                text = f"{self._parents()} ({_comma(rev.depends_on)}) -> {text}"
            else:
                text = f"{self._parents()} -> {text}"
        if branches and rev.branch_labels:
            text += f" ({_comma(sorted(rev.branch_labels))})"
        text += self._indicators(tree, head)
        if doc:
            text += f", {displayed(rev.doc)}"
        return text

    def entry(self, longdoc: str | None = None) -> str:
        """The verbose block: ``Rev:``, ``Parent:``/``Merges:``, ``Path:`` and the doc."""
        rev = self.revision
        lines = [f"Rev: {_id(rev.revision)}{self._indicators(tree=True, head=True)}"]
        if self.is_merge_point:
            lines.append(f"Merges: {self._parents()}")
        else:
            lines.append(f"Parent: {self._parents()}")
        if rev.depends_on:
            lines.append(f"Also depends on: {_comma(rev.depends_on)}")
        if self.is_branch_point:
            lines.append(f"Branches into: {_comma(self.graph.children(rev.revision))}")
        if rev.branch_labels:
            lines.append(f"Branch names: {_comma(sorted(rev.branch_labels))}")
        lines.append(f"Path: {displayed(str(rev.path), keep='')}")
        lines.append("")
        body = displayed(longdoc if longdoc is not None else rev.doc)
        lines.extend(f"    {para}" for para in body.split("\n"))
        return "\n".join(lines) + "\n"

    def line_or_entry(self, verbose: bool, **options: bool) -> str:
        """The verbose block when ``verbose``, else :meth:`line` with ``options``."""
        return self.entry() if verbose else self.line(**options)
