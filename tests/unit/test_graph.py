"""The revision graph: validation, structure, upgrade/downgrade paths and history."""

from __future__ import annotations

import random

import pytest

from flask_migrate_lite.commands.advice import in_flask_terms
from flask_migrate_lite.engine.errors import (
    AmbiguousRevision,
    CycleDetected,
    DuplicateBranchLabel,
    DuplicateRevision,
    MissingParent,
    RangeNotAncestor,
    TargetIsNotAncestor,
)
from flask_migrate_lite.engine.runtime.plan import plan_downgrade, plan_upgrade
from flask_migrate_lite.engine.script.graph import Revision, RevisionGraph


def ids(revisions: list[Revision]) -> list[str]:
    return [r.revision for r in revisions]


# --- Revision ---------------------------------------------------------------------------


def test_revision_normalises_header_values() -> None:
    rev = Revision.from_header(
        "bbb2", "aaa1", branch_labels="feature", depends_on="ccc3", doc="Add users"
    )
    assert rev.down_revisions == ("aaa1",)
    assert rev.branch_labels == frozenset({"feature"})
    assert rev.depends_on == ("ccc3",)
    assert not rev.is_base and not rev.is_merge_point
    base = Revision.from_header("aaa1", None)
    assert base.down_revisions == () and base.is_base
    assert Revision.from_header("ccc3", ("aaa1", "bbb2")).is_merge_point


# --- validation -------------------------------------------------------------------------


def test_duplicate_revision_names_both_files() -> None:
    with pytest.raises(DuplicateRevision) as info:
        RevisionGraph(
            [
                Revision("aaa1", path="versions/aaa1_one.py"),
                Revision("aaa1", path="versions/aaa1_two.py"),
            ]
        )
    assert info.value.paths == ("versions/aaa1_one.py", "versions/aaa1_two.py")
    assert "'aaa1' is declared by more than one file (versions/aaa1_one.py, " in str(info.value)


def test_missing_down_revision() -> None:
    with pytest.raises(MissingParent) as info:
        RevisionGraph([Revision("bbb2", ("aaa1",), path="versions/bbb2_x.py")])
    assert (info.value.revision, info.value.missing) == ("bbb2", "aaa1")
    assert str(info.value) == (
        "Revision 'bbb2' (in versions/bbb2_x.py) refers to 'aaa1', which does not exist; "
        "restore that file or correct the reference."
    )


def test_missing_dependency() -> None:
    with pytest.raises(MissingParent) as info:
        RevisionGraph([Revision("aaa1"), Revision("bbb2", depends_on=("nosuch",))])
    assert info.value.missing == "nosuch"


def test_ambiguous_dependency_prefix() -> None:
    with pytest.raises(AmbiguousRevision):
        RevisionGraph([Revision("abc1"), Revision("abc2"), Revision("ddd1", depends_on=("abc",))])


def test_cycle_lists_its_revisions() -> None:
    with pytest.raises(CycleDetected) as info:
        RevisionGraph(
            [
                Revision("aaa1"),
                Revision("bbb2", ("aaa1", "ddd4")),
                Revision("ccc3", ("bbb2",)),
                Revision("ddd4", ("ccc3",)),
                Revision("eee5", ("ddd4",)),
            ]
        )
    assert sorted(info.value.revisions) == ["bbb2", "ccc3", "ddd4"]
    assert "form a cycle" in str(info.value)


def test_cycle_through_a_dependency() -> None:
    with pytest.raises(CycleDetected) as info:
        RevisionGraph([Revision("aaa1", depends_on=("bbb2",)), Revision("bbb2", ("aaa1",))])
    assert sorted(info.value.revisions) == ["aaa1", "bbb2"]
    with pytest.raises(CycleDetected):
        RevisionGraph([Revision("aaa1", depends_on=("aaa1",))])


def test_duplicate_branch_label() -> None:
    with pytest.raises(DuplicateBranchLabel) as info:
        RevisionGraph(
            [
                Revision("aaa1", branch_labels=frozenset({"cart"})),
                Revision("bbb2", ("aaa1",), frozenset({"cart"})),
            ]
        )
    assert info.value.revisions == ("aaa1", "bbb2")
    assert "The branch label 'cart' is used by more than one revision (aaa1, bbb2)" in str(
        info.value
    )


def test_label_equal_to_a_revision_id() -> None:
    with pytest.raises(DuplicateBranchLabel):
        RevisionGraph([Revision("aaa1"), Revision("bbb2", branch_labels=frozenset({"aaa1"}))])


def test_dependencies_resolve_prefixes_and_labels() -> None:
    g = RevisionGraph(
        [
            Revision("aaa111", branch_labels=frozenset({"core"})),
            Revision("bbb222"),
            Revision("ccc333", ("bbb222",), depends_on=("core", "bbb")),
        ]
    )
    assert g.dependencies("ccc333") == ("aaa111", "bbb222")
    # bbb222 is already the down_revision: only the label's target is an extra parent.
    assert g.effective_down_revisions("ccc333") == ("bbb222", "aaa111")
    assert g.dependents("aaa111") == ("ccc333",)
    assert g.children("aaa111") == ()


# --- structure --------------------------------------------------------------------------


@pytest.fixture()
def branchy() -> RevisionGraph:
    # aaa1 -> bbb2 -> ddd4 (merge of bbb2, ccc3) -> eee5 ; aaa1 -> ccc3 ; fff6 second base;
    # ggg7 on fff6 depends on bbb2.
    return RevisionGraph(
        [
            Revision("aaa1", doc="one"),
            Revision("bbb2", ("aaa1",)),
            Revision("ccc3", ("aaa1",)),
            Revision("ddd4", ("bbb2", "ccc3")),
            Revision("eee5", ("ddd4",)),
            Revision("fff6", branch_labels=frozenset({"other"})),
            Revision("ggg7", ("fff6",), depends_on=("bbb2",)),
        ]
    )


def test_structure(branchy: RevisionGraph) -> None:
    assert branchy.heads == ("eee5", "ggg7")
    assert branchy.real_heads == ("eee5", "ggg7")
    assert branchy.bases == ("aaa1", "fff6")
    assert branchy.children("aaa1") == ("bbb2", "ccc3")
    assert branchy.is_branch_point("aaa1") and not branchy.is_branch_point("bbb2")
    assert len(branchy) == 7 and "ddd4" in branchy and "zzz" not in branchy
    order = [r.revision for r in branchy]
    assert order == ["aaa1", "bbb2", "fff6", "ggg7", "ccc3", "ddd4", "eee5"]
    assert branchy.ancestors(["ggg7"]) == {"ggg7", "fff6", "bbb2", "aaa1"}
    assert branchy.descendants(["bbb2"]) == {"bbb2", "ddd4", "eee5", "ggg7"}


def test_dependency_is_not_a_head_for_heads_symbol() -> None:
    g = RevisionGraph([Revision("aaa1"), Revision("bbb2", depends_on=("aaa1",))])
    assert g.heads == ("aaa1", "bbb2")
    assert g.real_heads == ("bbb2",)
    assert g.resolve("heads") == ("bbb2",)


def test_branches_apply_in_alembic_order() -> None:
    # Alembic's "Working with Branches" example: file-name order, the branch of the
    # last-listed head is applied first.
    g = RevisionGraph(
        [
            Revision("1975ea83b712"),
            Revision("27c6a30d7c24", ("1975ea83b712",)),
            Revision("ae1027a6acf", ("1975ea83b712",)),
        ]
    )
    assert ids(g.upgrade_path([], "heads")) == ["1975ea83b712", "ae1027a6acf", "27c6a30d7c24"]
    assert ids(g.downgrade_path(["27c6a30d7c24", "ae1027a6acf"], "base")) == [
        "27c6a30d7c24",
        "ae1027a6acf",
        "1975ea83b712",
    ]


# --- upgrade / downgrade paths -----------------------------------------------------------


def test_upgrade_paths(branchy: RevisionGraph) -> None:
    assert ids(branchy.upgrade_path([], "eee5")) == ["aaa1", "bbb2", "ccc3", "ddd4", "eee5"]
    assert ids(branchy.upgrade_path(["bbb2"], "ddd4")) == ["ccc3", "ddd4"]
    # The dependency pulls in bbb2 from the other tree.
    assert ids(branchy.upgrade_path([], "ggg7")) == ["aaa1", "bbb2", "fff6", "ggg7"]
    assert ids(branchy.upgrade_path(["eee5"], "heads")) == ["fff6", "ggg7"]
    assert ids(branchy.upgrade_path(["eee5", "ggg7"], "heads")) == []
    assert ids(branchy.upgrade_path(["ddd4"], "+1")) == ["eee5"]
    assert ids(branchy.upgrade_path(["eee5"], "eee5")) == []


def test_upgrade_to_an_older_revision_is_refused(branchy: RevisionGraph) -> None:
    with pytest.raises(TargetIsNotAncestor) as info:
        branchy.upgrade_path(["eee5"], "bbb2")
    assert str(in_flask_terms(info.value)) == (
        "Cannot upgrade to 'bbb2': it is below the current revision (eee5), which already "
        "includes it; to go back to it, run 'flask db downgrade bbb2'."
    )
    with pytest.raises(TargetIsNotAncestor):
        branchy.upgrade_path(["eee5"], "-1")


def test_downgrade_paths(branchy: RevisionGraph) -> None:
    assert ids(branchy.downgrade_path(["eee5", "ggg7"], "ddd4")) == ["eee5"]
    assert ids(branchy.downgrade_path(["eee5"], "-1")) == ["eee5"]
    assert ids(branchy.downgrade_path(["eee5"], "aaa1")) == ["eee5", "ddd4", "ccc3", "bbb2"]
    # Removing bbb2 removes what depends on it in the other tree too.
    assert ids(branchy.downgrade_path(["eee5", "ggg7"], "aaa1")) == [
        "eee5",
        "ddd4",
        "ccc3",
        "ggg7",
        "bbb2",
    ]
    assert ids(branchy.downgrade_path(["eee5", "ggg7"], "base")) == [
        "eee5",
        "ddd4",
        "ccc3",
        "ggg7",
        "fff6",
        "bbb2",
        "aaa1",
    ]


def test_downgrade_one_branch_keeps_the_others() -> None:
    g = RevisionGraph(
        [
            Revision("aaa1"),
            Revision("bbb2", ("aaa1",)),
            Revision("ccc3", branch_labels=frozenset({"net"})),
            Revision("ddd4", ("ccc3",)),
        ]
    )
    assert ids(g.downgrade_path(["bbb2", "ddd4"], "net@base")) == ["ddd4", "ccc3"]
    assert ids(g.downgrade_path(["bbb2", "ddd4"], "net@-1")) == ["ddd4"]
    assert ids(g.downgrade_path(["bbb2", "ddd4"], "bbb2-1")) == ["bbb2"]


def test_downgrade_in_the_wrong_direction_is_refused(branchy: RevisionGraph) -> None:
    with pytest.raises(TargetIsNotAncestor) as info:
        branchy.downgrade_path(["bbb2"], "eee5")
    assert info.value.direction == "downgrade"
    assert str(in_flask_terms(info.value)) == (
        "Cannot downgrade to 'eee5': it is not below the current revision (bbb2); to go up "
        "to it, run 'flask db upgrade eee5'."
    )
    with pytest.raises(TargetIsNotAncestor):
        branchy.downgrade_path(["bbb2"], "+1")
    assert branchy.downgrade_path(["bbb2"], "bbb2") == []


# --- history ----------------------------------------------------------------------------


def test_history(branchy: RevisionGraph) -> None:
    assert ids(branchy.history(None, None)) == [
        "eee5",
        "ddd4",
        "ccc3",
        "ggg7",
        "fff6",
        "bbb2",
        "aaa1",
    ]
    assert ids(branchy.history("bbb2", "eee5")) == ["eee5", "ddd4", "bbb2"]
    assert ids(branchy.history("ddd4", None)) == ["eee5", "ddd4"]
    assert ids(branchy.history(None, "bbb2")) == ["bbb2", "aaa1"]
    assert ids(branchy.history("current", None, ["ddd4"])) == ["eee5", "ddd4"]
    assert ids(branchy.history("-1", "current", ["eee5"])) == ["eee5", "ddd4"]
    assert ids(branchy.history("eee5-1", None)) == ["eee5", "ddd4"]
    with pytest.raises(RangeNotAncestor) as info:
        branchy.history("eee5", "bbb2")
    assert str(in_flask_terms(info.value)) == (
        "The range 'eee5:bbb2' is empty because 'eee5' is not an ancestor of 'bbb2'; "
        "swap the two ends or check 'flask db history'."
    )


# --- a large generated graph ------------------------------------------------------------


def generated(count: int, seed: int) -> list[Revision]:
    """A branchy history: branch points, merges, several bases, labels and dependencies."""
    rng = random.Random(seed)
    made: list[Revision] = []
    heads: list[str] = []
    for number in range(count):
        rev_id = f"{rng.getrandbits(48):012x}"
        roll = rng.random()
        if not heads or number == count // 2:
            down: tuple[str, ...] = ()
        elif roll < 0.04 and len(heads) > 1:
            down = tuple(rng.sample(heads, 2))
        elif roll < 0.08:
            down = (rng.choice(made).revision,)
        else:
            down = (rng.choice(heads),)
        depends: tuple[str, ...] = ()
        if made and roll > 0.98:
            target = rng.choice(made).revision
            depends = () if target in down else (target,)
        labels = frozenset({f"label{number}"}) if roll > 0.99 else frozenset()
        made.append(Revision(rev_id, down, labels, depends, doc=f"step {number}"))
        heads = [h for h in heads if h not in down] + [rev_id]
    return sorted(made, key=lambda r: r.revision)


def test_large_graph_invariants() -> None:
    revisions = generated(2000, seed=7)
    g = RevisionGraph(revisions)
    assert len(g) == 2000
    assert len(g.bases) >= 2 and len(g.heads) > 2
    assert any(g.is_branch_point(r.revision) for r in revisions)
    assert any(r.is_merge_point for r in revisions)
    assert any(r.depends_on for r in revisions) and any(r.branch_labels for r in revisions)

    path = g.upgrade_path([], "heads")
    assert sorted(ids(path)) == sorted(r.revision for r in revisions)
    position = {rev_id: i for i, rev_id in enumerate(ids(path))}
    for rev in revisions:
        for parent in rev.down_revisions + g.dependencies(rev.revision):
            assert position[parent] < position[rev.revision]

    steps = plan_upgrade(g, [], "heads")
    final = steps[-1].heads_after
    assert set(final) == set(g.real_heads)
    for before, after in zip(steps, steps[1:], strict=False):
        assert before.heads_after == after.heads_before

    back = g.downgrade_path(final, "base")
    assert ids(back) == list(reversed(ids(path)))
    assert plan_downgrade(g, final, "base")[-1].heads_after == ()
    assert ids(g.history(None, None)) == list(reversed(ids(path)))

    # Every revision is reachable by its 8-character prefix and its own upgrade path
    # only applies its ancestors.
    sample = random.Random(3).sample(revisions, 50)
    for rev in sample:
        assert g.resolve(rev.revision[:8]) == (rev.revision,)
        assert set(ids(g.upgrade_path([], rev.revision))) == g.ancestors([rev.revision])
