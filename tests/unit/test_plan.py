"""Plans: the steps of upgrade/downgrade/stamp and their exact version-table changes."""

from __future__ import annotations

import pytest

from flask_migrate_lite.engine.errors import UnknownRevision
from flask_migrate_lite.engine.runtime.plan import (
    Step,
    VersionChange,
    plan_downgrade,
    plan_stamp,
    plan_upgrade,
)
from flask_migrate_lite.engine.script.graph import Revision, RevisionGraph

INITIAL = "ad4de013e007"
USERS = "21fa69deb961"


def insert(rev: str) -> VersionChange:
    return VersionChange("insert", None, rev)


def delete(rev: str) -> VersionChange:
    return VersionChange("delete", rev, None)


def update(old: str, new: str) -> VersionChange:
    return VersionChange("update", old, new)


def summary(steps: list[Step]) -> list[tuple[str, tuple[VersionChange, ...], tuple[str, ...]]]:
    return [(s.revision.revision, s.changes, s.heads_after) for s in steps]


@pytest.fixture()
def linear() -> RevisionGraph:
    return RevisionGraph(
        [
            Revision(INITIAL, doc="Initial revision"),
            Revision(USERS, (INITIAL,), doc="User Model"),
        ]
    )


@pytest.fixture()
def branches() -> RevisionGraph:
    # aaa1 -> bbb2, aaa1 -> ccc3, merge ddd4 (bbb2, ccc3); second tree xxx1 -> xxx2 ("net").
    return RevisionGraph(
        [
            Revision("aaa1", doc="base"),
            Revision("bbb2", ("aaa1",), doc="left"),
            Revision("ccc3", ("aaa1",), doc="right"),
            Revision("ddd4", ("bbb2", "ccc3"), doc="merge"),
            Revision("xxx1", branch_labels=frozenset({"net"}), doc="network base"),
            Revision("xxx2", ("xxx1",), doc="network"),
        ]
    )


def test_linear_upgrade_and_downgrade(linear: RevisionGraph) -> None:
    up = plan_upgrade(linear, [], "head")
    assert summary(up) == [
        (INITIAL, (insert(INITIAL),), (INITIAL,)),
        (USERS, (update(INITIAL, USERS),), (USERS,)),
    ]
    assert [s.heads_before for s in up] == [(), (INITIAL,)]
    assert [s.describe() for s in up] == [
        "upgrade  -> ad4de013e007, Initial revision",
        "upgrade ad4de013e007 -> 21fa69deb961, User Model",
    ]
    down = plan_downgrade(linear, [USERS], "base")
    assert summary(down) == [
        (USERS, (update(USERS, INITIAL),), (INITIAL,)),
        (INITIAL, (delete(INITIAL),), ()),
    ]
    assert [s.describe() for s in down] == [
        "downgrade 21fa69deb961 -> ad4de013e007, User Model",
        "downgrade ad4de013e007 -> , Initial revision",
    ]
    assert plan_upgrade(linear, [USERS], "heads") == []


def test_describe_without_doc() -> None:
    g = RevisionGraph([Revision("aaa1")])
    assert plan_upgrade(g, [], "head")[0].describe() == "upgrade  -> aaa1"


def test_branch_creation(branches: RevisionGraph) -> None:
    # ccc3's parent is no longer a head (bbb2 replaced it): a new row starts the branch.
    steps = plan_upgrade(branches, ["bbb2"], "ccc3")
    assert summary(steps) == [("ccc3", (insert("ccc3"),), ("bbb2", "ccc3"))]
    assert steps[0].heads_before == ("bbb2",)
    assert steps[0].describe() == "upgrade aaa1 -> ccc3, right"


def test_upgrade_both_branches_from_base(branches: RevisionGraph) -> None:
    steps = plan_upgrade(branches, [], "aaa1@heads")
    assert summary(steps) == [
        ("aaa1", (insert("aaa1"),), ("aaa1",)),
        ("ccc3", (update("aaa1", "ccc3"),), ("ccc3",)),
        ("bbb2", (insert("bbb2"),), ("ccc3", "bbb2")),
        ("ddd4", (delete("bbb2"), update("ccc3", "ddd4")), ("ddd4",)),
    ]


def test_merge(branches: RevisionGraph) -> None:
    steps = plan_upgrade(branches, ["bbb2", "ccc3"], "ddd4")
    assert summary(steps) == [("ddd4", (delete("bbb2"), update("ccc3", "ddd4")), ("ddd4",))]
    assert steps[0].describe() == "upgrade bbb2, ccc3 -> ddd4, merge"


def test_merge_keeps_a_parent_another_head_builds_on() -> None:
    g = RevisionGraph(
        [
            Revision("aaa1"),
            Revision("bbb2", ("aaa1",)),
            Revision("ccc3", ("aaa1",)),
            Revision("ccc4", ("ccc3",)),
            Revision("ddd5", ("bbb2", "ccc3")),
        ]
    )
    # Not a real scenario of plan_upgrade alone: the table holds bbb2 and ccc3 and ccc4.
    steps = plan_upgrade(g, ["bbb2", "ccc4"], "ddd5")
    assert summary(steps) == [("ddd5", (update("bbb2", "ddd5"),), ("ddd5", "ccc4"))]


def test_unmerge_on_downgrade(branches: RevisionGraph) -> None:
    steps = plan_downgrade(branches, ["ddd4"], "bbb2")
    assert summary(steps) == [("ddd4", (insert("bbb2"), update("ddd4", "ccc3")), ("ccc3", "bbb2"))]
    assert steps[0].describe() == "downgrade ddd4 -> bbb2, ccc3, merge"
    # Then one branch at a time: the last row of a branch is deleted, not updated.
    rest = plan_downgrade(branches, ["ccc3", "bbb2"], "base")
    assert summary(rest) == [
        ("bbb2", (delete("bbb2"),), ("ccc3",)),
        ("ccc3", (update("ccc3", "aaa1"),), ("aaa1",)),
        ("aaa1", (delete("aaa1"),), ()),
    ]


def test_unmerge_leaves_out_a_parent_implied_by_another_head() -> None:
    g = RevisionGraph(
        [
            Revision("aaa1"),
            Revision("bbb2", ("aaa1",)),
            Revision("ccc3", ("aaa1",)),
            Revision("ddd4", ("bbb2", "ccc3")),
            Revision("eee5", ("ccc3",)),
        ]
    )
    steps = plan_downgrade(g, ["ddd4", "eee5"], "bbb2")
    assert summary(steps) == [("ddd4", (update("ddd4", "bbb2"),), ("bbb2", "eee5"))]


def test_second_base(branches: RevisionGraph) -> None:
    steps = plan_upgrade(branches, ["ddd4"], "net@head")
    assert summary(steps) == [
        ("xxx1", (insert("xxx1"),), ("ddd4", "xxx1")),
        ("xxx2", (update("xxx1", "xxx2"),), ("ddd4", "xxx2")),
    ]
    assert steps[0].describe() == "upgrade  -> xxx1, network base"
    down = plan_downgrade(branches, ["ddd4", "xxx2"], "net@base")
    assert summary(down) == [
        ("xxx2", (update("xxx2", "xxx1"),), ("ddd4", "xxx1")),
        ("xxx1", (delete("xxx1"),), ("ddd4",)),
    ]


def test_downgrade_minus_one_with_several_heads_needs_a_branch(
    branches: RevisionGraph,
) -> None:
    steps = plan_downgrade(branches, ["ddd4", "xxx2"], "net@-1")
    assert summary(steps) == [("xxx2", (update("xxx2", "xxx1"),), ("ddd4", "xxx1"))]


@pytest.fixture()
def dependent() -> RevisionGraph:
    # a1 -> a2 -> a3 ; b1 is a base of its own that depends on a2.
    return RevisionGraph(
        [
            Revision("a1a1"),
            Revision("a2a2", ("a1a1",)),
            Revision("a3a3", ("a2a2",)),
            Revision("b1b1", branch_labels=frozenset({"bee"}), depends_on=("a2a2",)),
        ]
    )


def test_depends_on_upgrade(dependent: RevisionGraph) -> None:
    # The dependency's row is taken over by the revision depending on it, as in Alembic.
    steps = plan_upgrade(dependent, [], "b1b1")
    assert summary(steps) == [
        ("a1a1", (insert("a1a1"),), ("a1a1",)),
        ("a2a2", (update("a1a1", "a2a2"),), ("a2a2",)),
        ("b1b1", (update("a2a2", "b1b1"),), ("b1b1",)),
    ]
    assert steps[2].describe() == "upgrade  -> b1b1"
    more = plan_upgrade(dependent, ["b1b1"], "heads")
    assert summary(more) == [("a3a3", (insert("a3a3"),), ("b1b1", "a3a3"))]


def test_depends_on_downgrade(dependent: RevisionGraph) -> None:
    # a2 is still implied by a3, so removing b1 deletes its row.
    steps = plan_downgrade(dependent, ["b1b1", "a3a3"], "bee@base")
    assert summary(steps) == [("b1b1", (delete("b1b1"),), ("a3a3",))]
    # Alone, b1's row goes back to the dependency.
    alone = plan_downgrade(dependent, ["b1b1"], "base")
    assert summary(alone) == [
        ("b1b1", (update("b1b1", "a2a2"),), ("a2a2",)),
        ("a2a2", (update("a2a2", "a1a1"),), ("a1a1",)),
        ("a1a1", (delete("a1a1"),), ()),
    ]
    # Removing the dependency removes what depends on it first.
    deeper = plan_downgrade(dependent, ["b1b1", "a3a3"], "a1a1")
    assert [s.revision.revision for s in deeper] == ["a3a3", "b1b1", "a2a2"]
    assert deeper[-1].heads_after == ("a1a1",)


def test_stamp_without_purge(branches: RevisionGraph) -> None:
    assert plan_stamp(branches, [], ["heads"], purge=False) == [insert("ddd4"), insert("xxx2")]
    assert plan_stamp(branches, ["bbb2"], ["ddd4"], purge=False) == [update("bbb2", "ddd4")]
    assert plan_stamp(branches, ["bbb2", "ccc3"], ["ddd4"], purge=False) == [
        delete("bbb2"),
        update("ccc3", "ddd4"),
    ]
    # Other branches keep their rows, downwards too.
    assert plan_stamp(branches, ["ddd4", "xxx1"], ["xxx2"], purge=False) == [update("xxx1", "xxx2")]
    assert plan_stamp(branches, ["ddd4", "xxx2"], ["aaa1"], purge=False) == [update("ddd4", "aaa1")]
    # A branch not in the table yet is added.
    assert plan_stamp(branches, ["ddd4"], ["xxx1"], purge=False) == [insert("xxx1")]
    assert plan_stamp(branches, ["ddd4"], ["ddd4"], purge=False) == []


def test_stamp_base(branches: RevisionGraph) -> None:
    assert plan_stamp(branches, ["ddd4", "xxx2"], ["base"], purge=False) == [
        delete("ddd4"),
        delete("xxx2"),
    ]
    assert plan_stamp(branches, ["ddd4", "xxx2"], ["net@base"], purge=False) == [delete("xxx2")]
    assert plan_stamp(branches, ["ddd4"], [], purge=False) == [delete("ddd4")]


def test_stamp_with_purge(branches: RevisionGraph) -> None:
    # Purge clears rows the scripts no longer know, then inserts the targets.
    assert plan_stamp(branches, ["feedfacecafe", "bbb2"], ["ddd4"], purge=True) == [
        delete("feedfacecafe"),
        delete("bbb2"),
        insert("ddd4"),
    ]
    assert plan_stamp(branches, ["bbb2"], ["base"], purge=True) == [delete("bbb2")]
    with pytest.raises(UnknownRevision):
        plan_stamp(branches, ["feedfacecafe"], ["ddd4"], purge=False)


def test_upgrade_to_base_or_a_step_below_is_refused(
    linear: RevisionGraph, branches: RevisionGraph
) -> None:
    from flask_migrate_lite.engine.errors import TargetIsNotAncestor

    for target in ("base", f"{USERS}-2", "-2"):
        with pytest.raises(TargetIsNotAncestor) as info:
            plan_upgrade(linear, [USERS], target)
        assert info.value.direction == "upgrade" and info.value.target == target
    # From base, upgrading to base is nothing to do.
    assert plan_upgrade(linear, [], "base") == []
    # A branch's base is below the database only when that branch has revisions applied.
    assert plan_upgrade(branches, ["ddd4"], "net@base") == []
    with pytest.raises(TargetIsNotAncestor):
        plan_upgrade(branches, ["ddd4", "xxx2"], "net@base")


def test_pending_revisions_oldest_first(branches: RevisionGraph) -> None:
    from flask_migrate_lite.engine.runtime.plan import pending_revisions

    # In the order an upgrade applies them, parents before children.
    pending = pending_revisions(branches, ["bbb2"])
    assert pending == [step.revision.revision for step in plan_upgrade(branches, ["bbb2"], "heads")]
    assert sorted(pending) == ["ccc3", "ddd4", "xxx1", "xxx2"]
    assert pending.index("ccc3") < pending.index("ddd4")
    assert pending_revisions(branches, ["ddd4", "xxx2"]) == []
