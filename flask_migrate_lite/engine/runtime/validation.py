"""Validating a database's history against the migrations folder, from the applied log.

:func:`validate_history` compares the version rows and the applied log of one database with
the revision graph and the files as they are now. It finds:

* ``changed``: an applied revision whose file's checksum differs from the one logged when it
  ran (or was stamped or accepted);
* ``missing``: a revision the log says is applied whose file is not in the folder;
* ``unknown-head``: a version row naming a revision the folder does not have;
* ``skipped``: a revision that now sits below an applied revision but was not applied when
  that revision was (a branch merged below what this database already ran).

Revisions the version table shows as applied but the log never saw (the database was moved
by another tool, by hand, or before the log was kept) are not findings but a :attr:`note`:
their files cannot be checked against what ran. Pure: the caller reads the log and the
version rows, and supplies the checksum of a revision's file as it is now.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from ..advice import Run, Text
from ..script.graph import RevisionGraph
from .applied_log import LogRow

__all__ = ["Finding", "Validation", "validate_history", "when"]

_APPLIED = ("upgrade", "stamp", "accept")


@dataclass(frozen=True)
class Finding:
    """One problem: its kind, the revision, and the line that says it and what to do."""

    kind: str
    revision: str
    text: Text


@dataclass
class Validation:
    """The findings for one database, and a note about revisions the log never saw."""

    findings: list[Finding] = field(default_factory=list)
    note: Text | None = None

    @property
    def ok(self) -> bool:
        """Whether nothing was found."""
        return not self.findings


def when(moment: datetime.datetime | None) -> str:
    """A log time as messages show it."""
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC") if moment is not None else "an unknown time"


def _accept(revision: str) -> Run:
    return Run("validate", ("--accept", revision))


def validate_history(
    graph: RevisionGraph,
    heads: Sequence[str],
    log: Sequence[LogRow] | None,
    checksum: Callable[[str], str | None],
) -> Validation:
    """Check one database (version rows ``heads``, applied log ``log``) against ``graph``.

    ``checksum(rev_id)`` is the checksum of the revision's file now; it is asked only for
    applied revisions the log has a checksum for, once each.
    """
    rows = list(log or ())
    result = Validation()
    known_heads = [rev for rev in heads if rev in graph]
    for head in heads:
        if head not in graph:
            result.findings.append(
                Finding(
                    "unknown-head",
                    head,
                    Text(
                        f"{head}: the database is at this revision but the migrations folder "
                        "does not have it; deploy the code that migrated this database (or a "
                        "newer one) before running any other command."
                    ),
                )
            )
    applied = graph.ancestors(known_heads) if known_heads else set()
    latest: dict[str, LogRow] = {}  # the last row per revision
    recorded: dict[str, LogRow] = {}  # the last upgrade/stamp/accept row per revision
    upgraded: dict[str, LogRow] = {}  # the last upgrade row per revision
    for row in rows:
        latest[row.revision] = row
        if row.direction in _APPLIED:
            recorded[row.revision] = row
        if row.direction == "upgrade":
            upgraded[row.revision] = row
    for rev in (rev for rev in graph if rev.revision in applied):
        found = recorded.get(rev.revision)
        if found is None or found.checksum is None:
            continue
        row, then = found, found.checksum
        now = checksum(rev.revision)
        if now is not None and now != then:
            result.findings.append(
                Finding(
                    "changed",
                    rev.revision,
                    f"{rev.revision}: {rev.path} changed since it was applied on "
                    f"{when(row.applied_at)} (checksum {then[:12]} then, {now[:12]} "
                    "now); restore the file as it ran, or if the change is deliberate and the "
                    "database matches it, run " + _accept(rev.revision) + ".",
                )
            )
    heads_set = set(heads)
    for rev_id, row in latest.items():
        if rev_id in graph or rev_id in heads_set or row.direction not in _APPLIED:
            continue
        if rev_id in graph.replaced:  # a squash revision stands for it now
            continue
        result.findings.append(
            Finding(
                "missing",
                rev_id,
                Text(
                    f"{rev_id}: applied on {when(row.applied_at)} but its file is not in the "
                    "migrations folder; restore the file from version control."
                ),
            )
        )
    skipped = _skipped(graph, applied, upgraded, recorded)
    result.findings.extend(skipped)
    seen: dict[str, LogRow | None] = {**recorded, **{item.revision: None for item in skipped}}
    for rev in graph:
        # A squash revision stands for what the database ran when it ran the originals.
        if rev.replaces and all(rev_id in recorded for rev_id in rev.replaces):
            seen.setdefault(rev.revision, None)
    result.note = _unlogged(graph, heads, rows, applied, seen)
    return result


def _skipped(
    graph: RevisionGraph,
    applied: set[str],
    upgraded: dict[str, LogRow],
    recorded: dict[str, LogRow],
) -> list[Finding]:
    """Revisions below a logged upgrade that were not applied when it ran."""
    found: dict[str, tuple[str, LogRow]] = {}
    for rev in graph:
        row = upgraded.get(rev.revision)
        if row is None or rev.revision not in applied:
            continue
        # A row naming the last revision a squash replaces names the squash's place.
        before = {graph.replaced.get(head, head) for head in row.heads_before}
        parents = graph.effective_down_revisions(rev.revision)
        if set(parents) <= before:
            continue  # the usual case: it ran right on top of its parents
        below = graph.ancestors(parents) if parents else set()
        had = graph.ancestors([h for h in before if h in graph])
        for missed in below - had:
            if missed not in recorded and missed not in found:
                found[missed] = (rev.revision, row)
    findings = []
    for rev in graph:  # oldest first
        if rev.revision not in found:
            continue
        above, row = found[rev.revision]
        findings.append(
            Finding(
                "skipped",
                rev.revision,
                f"{rev.revision}: sits below {above} (applied on {when(row.applied_at)}) but "
                "was never applied to this database; give it a place above the database's "
                "head (change its down_revision) so that upgrade runs it, or if its changes "
                "are already in the database run " + _accept(rev.revision) + ".",
            )
        )
    return findings


def _unlogged(
    graph: RevisionGraph,
    heads: Sequence[str],
    rows: list[LogRow],
    applied: set[str],
    recorded: Mapping[str, LogRow | None],
) -> Text | None:
    """The note about applied revisions the log never saw (another tool, or by hand)."""
    unseen = [rev.revision for rev in graph if rev.revision in applied]
    unseen = [rev for rev in unseen if rev not in recorded]
    moved = [row for row in rows if row.direction != "accept"]
    last = moved[-1] if moved else None
    if last is not None and set(last.heads_after) != set(heads):
        at = ", ".join(heads) or "base"
        logged = ", ".join(last.heads_after) or "base"
        return Text(
            f"the version table moved without log rows: the log last recorded {logged} "
            f"({when(last.applied_at)}) and the database is at {at} (migrated by another "
            "tool or by hand since)"
            + (f"; {_listed(unseen)} cannot be checked against what ran." if unseen else ".")
        )
    if not unseen:
        return None
    return Text(
        f"{_listed(unseen)} applied without a log row (before the log was kept, by another "
        "tool or by hand) cannot be checked against what ran; run "
        + _accept(unseen[-1])
        + " to record a file as it is now."
    )


def _listed(revisions: list[str]) -> str:
    shown = ", ".join(revisions[:5]) + (
        f" and {len(revisions) - 5} more" if len(revisions) > 5 else ""
    )
    return f"{len(revisions)} revision{'s' if len(revisions) != 1 else ''} ({shown})"
