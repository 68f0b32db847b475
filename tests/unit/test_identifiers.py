"""Revision identifiers: symbols, ids, prefixes, labels, branches and relative steps."""

from __future__ import annotations

import pytest

from flask_migrate_lite.commands.advice import in_flask_terms
from flask_migrate_lite.engine.errors import (
    AmbiguousRevision,
    AmbiguousStep,
    MultipleHeads,
    RangeNotAllowed,
    RelativeOutOfRange,
    UnknownRevision,
)
from flask_migrate_lite.engine.script.graph import Revision, RevisionGraph, parse_range

ACCOUNT = "1975ea83b712"
COLUMN = "ae1027a6acf"
CART = "27c6a30d7c24"
CART2 = "3cac04ae8714"
NET = "3782d9986ced"
NET2 = "109ec7d132bf"


@pytest.fixture(scope="module")
def graph() -> RevisionGraph:
    # Two trees: account -> {column, cart (shoppingcart) -> cart2}, and networking -> net2.
    # Given in file-name order, as the loader does.
    revisions = [
        Revision(NET2, (NET,)),
        Revision(ACCOUNT),
        Revision(CART, (ACCOUNT,), frozenset({"shoppingcart"})),
        Revision(NET, branch_labels=frozenset({"networking"})),
        Revision(CART2, (CART,)),
        Revision(COLUMN, (ACCOUNT,)),
    ]
    return RevisionGraph(sorted(revisions, key=lambda r: r.revision))


def test_symbols(graph: RevisionGraph) -> None:
    assert graph.resolve("base") == ()
    assert graph.resolve("heads") == (NET2, CART2, COLUMN)
    assert graph.resolve("current", [CART2, NET]) == (CART2, NET)
    assert graph.resolve("current") == ()
    assert graph.resolve_one("base") is None


def test_head_with_several_heads_lists_them(graph: RevisionGraph) -> None:
    with pytest.raises(MultipleHeads) as info:
        graph.resolve("head")
    assert info.value.heads == (NET2, CART2, COLUMN)
    assert f"several heads ({NET2}, {CART2}, {COLUMN})" in str(info.value)
    with pytest.raises(MultipleHeads):
        graph.resolve_one("heads")


def test_single_head() -> None:
    g = RevisionGraph([Revision("aaa111"), Revision("bbb222", ("aaa111",))])
    assert g.resolve("head") == ("bbb222",)
    assert g.resolve_one("head") == "bbb222"
    assert RevisionGraph([]).resolve("head") == ()
    assert RevisionGraph([]).resolve("heads") == ()


def test_full_ids_prefixes_and_labels(graph: RevisionGraph) -> None:
    assert graph.resolve(COLUMN) == (COLUMN,)
    assert graph.resolve("ae1") == (COLUMN,)
    assert graph.resolve("  ae10  ") == (COLUMN,)
    assert graph.resolve("shoppingcart") == (CART,)  # the revision declaring the label
    assert graph.resolve("networking") == (NET,)


def test_unknown_and_ambiguous_are_distinct() -> None:
    g = RevisionGraph([Revision("abc111"), Revision("abc222", ("abc111",))])
    with pytest.raises(AmbiguousRevision) as info:
        g.resolve("abc")
    assert info.value.candidates == ("abc111", "abc222")
    assert "The prefix 'abc' matches several revisions (abc111, abc222)" in str(info.value)
    assert g.resolve("abc2") == ("abc222",)
    with pytest.raises(UnknownRevision) as unknown:
        g.resolve("abd")
    assert str(in_flask_terms(unknown.value)) == (
        "No revision matches 'abd'; run 'flask db history' to see the known revisions."
    )
    # Prefixes need three characters, even when they would be unique.
    with pytest.raises(UnknownRevision, match="type at least 3 characters"):
        g.resolve("ab")
    assert g.get("abc111").revision == "abc111"
    with pytest.raises(UnknownRevision):
        g.get("abc")  # get() takes exact ids only


def test_branch_forms(graph: RevisionGraph) -> None:
    assert graph.resolve("shoppingcart@head") == (CART2,)
    assert graph.resolve("shoppingcart@heads") == (CART2,)
    assert graph.resolve("networking@head") == (NET2,)
    assert graph.resolve("networking@base") == ()
    assert graph.resolve(f"{COLUMN}@head") == (COLUMN,)  # rev@head: head of its branch
    assert graph.resolve("ae10@head") == (COLUMN,)
    assert graph.resolve(f"{ACCOUNT}@heads") == (CART2, COLUMN)
    assert graph.resolve("shoppingcart@1975") == (ACCOUNT,)  # an ancestor is on the branch
    assert graph.resolve("shoppingcart@current", [CART, NET2]) == (CART,)
    with pytest.raises(MultipleHeads) as info:
        graph.resolve(f"{ACCOUNT}@head")  # a branch point sees both of its branches
    assert info.value.heads == (CART2, COLUMN)
    with pytest.raises(UnknownRevision, match=f"revision {COLUMN} is not on branch"):
        graph.resolve("shoppingcart@ae10")
    with pytest.raises(UnknownRevision, match="neither a branch label nor a revision"):
        graph.resolve("nosuch@head")


def test_prefix_disambiguated_by_branch() -> None:
    g = RevisionGraph(
        [
            Revision("abc111", branch_labels=frozenset({"one"})),
            Revision("abc222", branch_labels=frozenset({"two"})),
        ]
    )
    assert g.resolve("two@abc") == ("abc222",)
    with pytest.raises(AmbiguousRevision):
        g.resolve("abc")


def test_relative_from_current(graph: RevisionGraph) -> None:
    assert graph.resolve("-1", [CART2]) == (CART,)
    assert graph.resolve("-2", [CART2]) == (ACCOUNT,)
    assert graph.resolve("-3", [CART2]) == ()
    assert graph.resolve("+1", [CART]) == (CART2,)
    assert graph.resolve("+0", [CART]) == (CART,)
    assert graph.resolve("current-1", [CART2]) == (CART,)
    with pytest.raises(RelativeOutOfRange) as info:
        graph.resolve("-4", [CART2])
    assert info.value.direction == "down"
    assert "'-4' goes past base" in str(info.value)
    with pytest.raises(RelativeOutOfRange, match="past the head"):
        graph.resolve("+1", [CART2])
    with pytest.raises(RelativeOutOfRange):
        graph.resolve("-1")  # nothing applied
    with pytest.raises(MultipleHeads):
        graph.resolve("-1", [CART2, COLUMN])
    with pytest.raises(AmbiguousStep) as step:
        graph.resolve("+1", [ACCOUNT])  # the branch point leads two ways
    assert step.value.choices == (CART, COLUMN)
    assert f"ambiguous at revision {ACCOUNT}" in str(step.value)
    with pytest.raises(AmbiguousStep) as base:
        graph.resolve("+1")  # two bases
    assert base.value.at == "base"


def test_relative_from_a_revision(graph: RevisionGraph) -> None:
    assert graph.resolve("ae10-1") == (ACCOUNT,)
    assert graph.resolve(f"{COLUMN}-2") == ()
    assert graph.resolve("27c6+1") == (CART2,)
    assert graph.resolve("networking@head-1") == (NET,)
    assert graph.resolve("shoppingcart@head-2") == (ACCOUNT,)
    assert graph.resolve("networking@base+2") == (NET2,)
    with pytest.raises(RelativeOutOfRange):
        graph.resolve("ae10-3")
    with pytest.raises(RelativeOutOfRange):
        graph.resolve("27c6+2")
    with pytest.raises(MultipleHeads):
        graph.resolve("head-1")
    with pytest.raises(MultipleHeads):
        graph.resolve("heads-1")
    with pytest.raises(AmbiguousStep):
        graph.resolve("1975+1")


def test_relative_along_a_branch(graph: RevisionGraph) -> None:
    assert graph.resolve("shoppingcart@+1", [ACCOUNT]) == (CART,)
    assert graph.resolve("shoppingcart@+2", [ACCOUNT, NET]) == (CART2,)
    assert graph.resolve("shoppingcart@+1") == (ACCOUNT,)  # from base, along the branch
    assert graph.resolve("networking@+1", [CART2]) == (NET,)
    assert graph.resolve("shoppingcart@-1", [COLUMN, CART2]) == (CART,)
    assert graph.resolve("networking@-1", [COLUMN, NET2]) == (NET,)
    with pytest.raises(RelativeOutOfRange):
        graph.resolve("shoppingcart@+3", [ACCOUNT])


def test_relative_step_through_a_merge_is_ambiguous() -> None:
    g = RevisionGraph(
        [Revision("aaa1"), Revision("bbb1"), Revision("ccc1", ("aaa1", "bbb1"), doc="merge")]
    )
    with pytest.raises(AmbiguousStep) as info:
        g.resolve("-1", ["ccc1"])
    assert info.value.choices == ("aaa1", "bbb1")


def test_exact_label_wins_over_relative_syntax() -> None:
    g = RevisionGraph([Revision("aaa1"), Revision("bbb1", ("aaa1",), frozenset({"release-2"}))])
    assert g.resolve("release-2") == ("bbb1",)


def test_current_must_be_known(graph: RevisionGraph) -> None:
    with pytest.raises(UnknownRevision) as info:
        graph.resolve("current", ["feedfacecafe"])
    assert info.value.identifier == "feedfacecafe"


def test_parse_range() -> None:
    assert parse_range("ae1:head") == ("ae1", "head")
    assert parse_range(":shoppingcart@head") == (None, "shoppingcart@head")
    assert parse_range("-3:") == ("-3", None)
    assert parse_range(" : ") == (None, None)
    with pytest.raises(RangeNotAllowed) as info:
        parse_range("ae1")
    assert str(info.value) == "'ae1': a range needs the form start:end, start: or :end."
    with pytest.raises(RangeNotAllowed):
        parse_range("a:b:c")
