"""Squash revisions in the graph: which of a squash and its originals a database runs, and
which version rows it writes."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest

from flask_migrate_lite.engine.errors import CommandError, UnknownRevision
from flask_migrate_lite.engine.runtime.plan import (
    VersionChange,
    plan_downgrade,
    plan_upgrade,
    with_rows,
)
from flask_migrate_lite.engine.script.graph import Revision, RevisionGraph
from flask_migrate_lite.engine.script.loader import scan_file
from flask_migrate_lite.engine.script.squashes import squash_view

ORIGINALS = [
    Revision("r1", ()),
    Revision("r2", ("r1",)),
    Revision("r3", ("r2",)),
]
AFTER = Revision("r4", ("r3",))
SQUASH = Revision("s1", (), replaces=("r1", "r2", "r3"))


def _plan(
    revisions: Sequence[Revision], current: tuple[str, ...], target: str = "heads"
) -> tuple[list[str], list[VersionChange]]:
    view = squash_view(revisions, current)
    graph = RevisionGraph(view.revisions, view.replaced, view.equivalent)
    steps = with_rows(plan_upgrade(graph, view.translate(current), target), current, view.aliases)
    return [step.revision.revision for step in steps], [c for s in steps for c in s.changes]


def test_a_fresh_database_runs_only_the_squash() -> None:
    ran, changes = _plan([*ORIGINALS, SQUASH, AFTER], ())
    assert ran == ["s1", "r4"]
    assert changes == [VersionChange("insert", None, "s1"), VersionChange("update", "s1", "r4")]


def test_a_database_inside_the_range_goes_on_through_the_originals() -> None:
    ran, changes = _plan([*ORIGINALS, SQUASH, AFTER], ("r1",))
    assert ran == ["r2", "r3", "r4"]
    assert changes[-1] == VersionChange("update", "r3", "r4")


def test_a_database_at_the_end_of_the_range_goes_on_after_it() -> None:
    assert _plan([*ORIGINALS, SQUASH, AFTER], ("r3",))[0] == ["r4"]


def test_a_database_that_ran_the_squash_goes_on_after_it() -> None:
    ran, changes = _plan([*ORIGINALS, SQUASH, AFTER], ("s1",))
    assert ran == ["r4"]
    assert changes == [VersionChange("update", "s1", "r4")]


def test_one_head_and_the_squash_in_place_of_its_originals() -> None:
    view = squash_view([*ORIGINALS, SQUASH, AFTER])
    graph = RevisionGraph(view.revisions, view.replaced, view.equivalent)
    assert graph.heads == ("r4",)
    assert [rev.revision for rev in graph.history(None, None)] == ["r4", "s1"]
    assert graph.get("r4").down_revisions == ("s1",)


def test_the_last_replaced_revision_names_the_squash_and_the_others_are_refused() -> None:
    view = squash_view([*ORIGINALS, SQUASH, AFTER])
    graph = RevisionGraph(view.revisions, view.replaced, view.equivalent)
    assert graph.resolve("r3") == ("s1",)
    with pytest.raises(UnknownRevision, match="replaced by the squash revision s1"):
        graph.resolve("r2")


def test_with_the_originals_deleted_the_end_of_the_range_reads_as_the_squash() -> None:
    ran, changes = _plan([SQUASH, AFTER], ("r3",))
    assert ran == ["r4"]
    assert changes == [VersionChange("update", "r3", "r4")]


def test_with_the_originals_deleted_a_database_inside_the_range_is_refused() -> None:
    with pytest.raises(CommandError, match="restore the replaced revision files"):
        squash_view([SQUASH, AFTER], ("r1",))


def test_downgrade_of_a_database_that_ran_the_squash_reverts_it_whole() -> None:
    view = squash_view([*ORIGINALS, SQUASH, AFTER], ("r4",))
    graph = RevisionGraph(view.revisions, view.replaced, view.equivalent)
    steps = plan_downgrade(graph, ("r4",), "base")
    assert [step.revision.revision for step in steps] == ["r4", "s1"]


def test_a_squash_of_a_squash_stands_for_both_ranges() -> None:
    outer = Revision("s2", (), replaces=("s1", "r4"))
    after = Revision("r5", ("r4",))
    revisions = [*ORIGINALS, SQUASH, AFTER, outer, after]
    assert _plan(revisions, ())[0] == ["s2", "r5"]
    assert _plan(revisions, ("r2",))[0] == ["r3", "r4", "r5"]
    assert _plan(revisions, ("s1",))[0] == ["r4", "r5"]


@pytest.mark.parametrize(
    "line",
    [
        "replaces = ('r1', 'r2', 'r3')",
        "replaces = (\n    'r1',  # the first\n    'r2',\n    'r3',\n)",
        "replaces: tuple[str, ...] = ('r1',) + ('r2', 'r3')",
    ],
)
def test_the_header_reader_reads_replaces(tmp_path: Path, line: str) -> None:
    path = tmp_path / "s1_squash.py"
    path.write_text(
        '"""squash"""\nrevision = "s1"\ndown_revision = None\n'
        f"branch_labels = None\ndepends_on = None\n{line}\n\n\ndef upgrade():\n    pass\n"
    )
    assert scan_file(path).replaces == ("r1", "r2", "r3")


def test_a_file_without_replaces_replaces_nothing_even_with_a_star_import(
    tmp_path: Path,
) -> None:
    path = tmp_path / "a1_plain.py"
    path.write_text(
        'from os.path import *\nrevision = "a1"\ndown_revision = None\n'
        "branch_labels = None\ndepends_on = None\n\n\n"
        "def upgrade():\n    pass  # this replaces nothing\n"
    )
    assert scan_file(path).replaces == ()


def test_a_database_inside_the_range_names_the_squash_as_the_end_of_the_range() -> None:
    view = squash_view([*ORIGINALS, SQUASH, AFTER], ("r1",))
    graph = RevisionGraph(view.revisions, view.replaced, view.equivalent)
    assert graph.resolve("s1") == ("r3",)
    steps = plan_upgrade(graph, ("r1",), "s1")
    assert [step.revision.revision for step in steps] == ["r2", "r3"]


def test_inside_a_squash_of_a_squash_only_the_outer_range_end_names_it() -> None:
    outer = Revision("s2", (), replaces=("s1", "r4"))
    view = squash_view([*ORIGINALS, SQUASH, AFTER, outer])
    graph = RevisionGraph(view.revisions, view.replaced, view.equivalent)
    assert graph.resolve("r4") == ("s2",)
    with pytest.raises(UnknownRevision, match="replaced by the squash revision s2"):
        graph.resolve("r3")
