"""Squash revisions in the graph: which of a squash and the revisions it replaces a database
sees.

A squash revision ``S`` declares ``replaces = ("A", ..., "B")``: the linear run of
revisions its single file stands for, oldest first. Its ``down_revision`` is ``A``'s, and
revisions written before the squash still name ``B`` as their ``down_revision``.

The folder is read as one of two *views* per squash, chosen from the database's version
rows (pure, no I/O):

* **squashed** (the squash stands for its range): the replaced files present are left out
  of the graph, and every link to a replaced revision (``down_revision`` or ``depends_on``)
  points at ``S`` instead. A fresh database runs only ``S``; a database past the range
  carries on as usual. This is the view of every command that reads no database
  (``heads``, ``history``, ``revision`` ...). A version row that names ``B`` while ``B``'s
  file is gone is read as ``S`` (the same schema), and written back as the row it is.
* **original** (the database is inside the range or at its end, ``B``, with the files
  there): ``S`` is left out and links to it point at ``B``; the database runs the original
  files on to ``B`` and then goes on after it as usual.

So "``B``" and "``S``" are two names of the same point of the history; the version table
holds whichever one the database ran. A database inside the range whose original files are
gone cannot be brought up: the error says to restore them.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from ..errors import CommandError
from .revision import Revision

__all__ = ["SquashView", "squash_view"]


@dataclass(frozen=True)
class SquashView:
    """The revisions a graph is built from for one database, and how to read its rows."""

    revisions: list[Revision]
    #: Replaced revisions left out of the graph -> the squash revision standing for them.
    replaced: Mapping[str, str]
    #: Version rows read as another id of the graph (``B`` whose file is gone -> ``S``).
    aliases: Mapping[str, str]
    #: Ids that name the same point as a revision of the graph: the last replaced revision
    #: -> its squash (squashed view), a squash -> the last revision it replaces (original).
    equivalent: Mapping[str, str] = dataclasses.field(default_factory=dict)

    def translate(self, current: Iterable[str]) -> tuple[str, ...]:
        """The database's version rows as ids of this view's graph."""
        return tuple(dict.fromkeys(self.aliases.get(rev_id, rev_id) for rev_id in current))


def _closure(squash: Revision, by_id: Mapping[str, Revision]) -> set[str]:
    """Every id ``squash`` stands for, through squashes it replaces in turn."""
    found: set[str] = set()
    todo = [squash]
    while todo:
        for rev_id in todo.pop().replaces:
            if rev_id not in found:
                found.add(rev_id)
                inner = by_id.get(rev_id)
                if inner is not None and inner.replaces:
                    todo.append(inner)
    return found


def _follow(rev_id: str, redirect: Mapping[str, str]) -> str:
    seen = {rev_id}
    while rev_id in redirect:
        rev_id = redirect[rev_id]
        if rev_id in seen:
            break
        seen.add(rev_id)
    return rev_id


def _relinked(rev: Revision, redirect: Mapping[str, str]) -> Revision:
    if not redirect:
        return rev
    down = tuple(dict.fromkeys(_follow(p, redirect) for p in rev.down_revisions))
    deps = tuple(dict.fromkeys(_follow(p, redirect) for p in rev.depends_on))
    if down == rev.down_revisions and deps == rev.depends_on:
        return rev
    return dataclasses.replace(rev, down_revisions=down, depends_on=deps)


def squash_view(revisions: Sequence[Revision], current: Sequence[str] = ()) -> SquashView:
    """The view of the folder's ``revisions`` for a database at ``current`` (see above)."""
    squashes = [rev for rev in revisions if rev.replaces]
    if not squashes:
        return SquashView(list(revisions), {}, {})
    by_id = {rev.revision: rev for rev in revisions}
    rows = set(current)
    original: set[str] = set()
    for squash in squashes:
        inside = rows & _closure(squash, by_id)
        if not inside:
            continue
        missing = [rev_id for rev_id in squash.replaces if rev_id not in by_id]
        if not missing:
            original.add(squash.revision)
            continue
        if inside != {squash.replaces[-1]}:
            row = sorted(inside)[0]
            raise CommandError(
                f"The database is at revision {row}, inside the range that squash revision "
                f"{squash.revision} replaces, and the file of revision {missing[0]} is gone; "
                "restore the replaced revision files to bring this database up."
            )
    redirect: dict[str, str] = {}
    replaced: dict[str, str] = {}
    for squash in squashes:
        if squash.revision in original:
            redirect[squash.revision] = squash.replaces[-1]
        else:
            for rev_id in squash.replaces:
                redirect[rev_id] = squash.revision
    hidden = {rev_id for rev_id in redirect if rev_id not in original}
    for rev_id in hidden:
        replaced[rev_id] = _follow(rev_id, redirect)
    kept = [
        _relinked(rev, redirect)
        for rev in revisions
        if rev.revision not in hidden and rev.revision not in original
    ]
    aliases = {row: replaced[row] for row in current if row in replaced and row not in by_id}
    equivalent: dict[str, str] = {}
    for squash in squashes:
        last = squash.replaces[-1]
        if squash.revision in original:
            equivalent[squash.revision] = _follow(last, redirect)
        elif replaced.get(last) == squash.revision:
            equivalent[last] = squash.revision
    return SquashView(kept, replaced, aliases, equivalent)
