"""One revision as the graph sees it: the values its file's header assigns.

A :class:`Revision` is built from a header (:meth:`Revision.from_header`) or, on the fast
path of the header cache, from values already normalised (:meth:`Revision.normalised`). It
holds no code: running a revision's file is the runtime's business.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

__all__ = ["Revision"]


def _as_tuple(value: str | Iterable[str] | None) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,) if value else ()
    return tuple(value)


@dataclass(frozen=True)
class Revision:
    """One revision file as the graph sees it (its header, not its code).

    ``down_revisions``, ``depends_on`` and ``branch_labels`` also accept a single string or
    ``None`` at runtime (the way headers write them) and are normalised; typed callers can
    use :meth:`from_header` for that.
    """

    revision: str
    down_revisions: tuple[str, ...] = ()
    branch_labels: frozenset[str] = frozenset()
    depends_on: tuple[str, ...] = ()
    doc: str = ""
    path: str | None = None
    create_date: str | None = None
    #: The revisions a squash revision stands for, oldest first (empty for others).
    replaces: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        # Frozen: normalising must go through object.__setattr__.
        object.__setattr__(self, "down_revisions", _as_tuple(self.down_revisions))
        object.__setattr__(self, "replaces", _as_tuple(self.replaces))
        object.__setattr__(self, "depends_on", _as_tuple(self.depends_on))
        object.__setattr__(self, "branch_labels", frozenset(_as_tuple(self.branch_labels)))

    @classmethod
    def normalised(
        cls,
        revision: str,
        down_revisions: tuple[str, ...],
        branch_labels: frozenset[str],
        depends_on: tuple[str, ...],
        doc: str,
        path: str | None,
        create_date: str | None,
        replaces: tuple[str, ...] = (),
    ) -> Revision:
        """A revision from values already in their final types (the loader's header cache).

        Skips the checks and conversions of ``__init__``: building thousands of frozen
        dataclasses through it is most of the time it takes to load a long history.
        """
        rev = object.__new__(cls)
        rev.__dict__.update(
            revision=revision,
            down_revisions=down_revisions,
            branch_labels=branch_labels,
            depends_on=depends_on,
            doc=doc,
            path=path,
            create_date=create_date,
            replaces=replaces,
        )
        return rev

    @classmethod
    def from_header(
        cls,
        revision: str,
        down_revision: str | Sequence[str] | None,
        *,
        branch_labels: str | Iterable[str] | None = None,
        depends_on: str | Sequence[str] | None = None,
        doc: str = "",
        path: str | None = None,
        create_date: str | None = None,
        replaces: Sequence[str] | None = None,
    ) -> Revision:
        """Build a revision from the values a revision file's header assigns."""
        return cls(
            revision,
            _as_tuple(down_revision),
            frozenset(_as_tuple(branch_labels)),
            _as_tuple(depends_on),
            doc,
            path,
            create_date,
            _as_tuple(replaces),
        )

    @property
    def is_base(self) -> bool:
        """True when the revision has no ``down_revision`` (it may still have dependencies)."""
        return not self.down_revisions

    @property
    def is_squash(self) -> bool:
        """True when the revision stands for others (its file assigns ``replaces``)."""
        return bool(self.replaces)

    @property
    def is_merge_point(self) -> bool:
        """True when the revision joins several ``down_revision`` parents."""
        return len(self.down_revisions) > 1
