"""``validate_history`` on its own: a long history is checked with one read per file."""

from __future__ import annotations

import datetime

from flask_migrate_lite.engine.runtime.applied_log import LogRow
from flask_migrate_lite.engine.runtime.validation import validate_history
from flask_migrate_lite.engine.script.graph import RevisionGraph
from flask_migrate_lite.engine.script.revision import Revision

WHEN = datetime.datetime(2026, 1, 2, 3, 4, 5)


def _row(number: int, revision: str, before: tuple[str, ...], direction: str = "upgrade") -> LogRow:
    return LogRow(
        number, revision, direction, f"sum-{revision}", before, (revision,), WHEN, 1, "h", "u", "1"
    )


def _chain(count: int) -> list[Revision]:
    ids = [f"{n:012x}" for n in range(1, count + 1)]
    return [
        Revision(rev, (ids[i - 1],) if i else (), path=f"/versions/{rev}.py")
        for i, rev in enumerate(ids)
    ]


def test_a_long_history_reads_each_applied_file_once() -> None:
    revisions = _chain(400)
    graph = RevisionGraph(revisions)
    ids = [rev.revision for rev in revisions]
    log = [_row(n, rev, (ids[n - 1],) if n else ()) for n, rev in enumerate(ids)]
    asked: list[str] = []

    def checksum(rev_id: str) -> str:
        asked.append(rev_id)
        return f"sum-{rev_id}"

    result = validate_history(graph, (ids[-1],), log, checksum)
    assert result.ok and result.note is None
    assert sorted(asked) == sorted(ids)


def test_an_upgrade_from_base_reads_no_file() -> None:
    graph = RevisionGraph(_chain(50))
    result = validate_history(graph, (), None, lambda rev_id: f"other-{rev_id}")
    assert result.ok and result.note is None


def test_a_revision_put_below_an_applied_one_is_skipped() -> None:
    # 1 -> 2 was applied; then x was written below 2 (2 now builds on x, x on 1).
    one, two, x = "a00000000001", "a00000000002", "a0000000000f"
    graph = RevisionGraph([Revision(one), Revision(x, (one,)), Revision(two, (x,))])
    log = [_row(1, one, ()), _row(2, two, (one,))]
    result = validate_history(graph, (two,), log, lambda rev_id: None)
    assert [(f.kind, f.revision) for f in result.findings] == [("skipped", x)]
    accepted = [*log, _row(3, x, (two,), "accept")]
    assert validate_history(graph, (two,), accepted, lambda rev_id: None).ok
