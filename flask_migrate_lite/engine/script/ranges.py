"""The grammar of revision ranges, read in one place.

A command argument that may name a range is either one revision (``ae1027``, ``head``,
``-1``) or ``start:end`` with exactly one ``:``, either end possibly empty (``ae1027:head``,
``ae1027:``, ``:head``). A text with more than one ``:`` (``a:b:c``, ``a::b``, ``::``) is
neither, and is refused wherever it is given, so that every command reads it the same way.
Which ends a command then accepts (a range at all, an empty start) is the command's rule.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import RangeNotAllowed

__all__ = ["RangeText", "parse_range"]


@dataclass(frozen=True)
class RangeText:
    """A command argument read as one revision or as a range ``start:end``.

    ``text`` is the argument without surrounding blanks. For a range, ``start`` and ``end``
    are its ends without blanks, ``None`` where an end is left out. For one revision,
    ``start`` is ``None`` and ``end`` is the revision.
    """

    text: str
    start: str | None
    end: str | None
    is_range: bool

    @classmethod
    def parse(cls, text: str) -> RangeText:
        """Read ``text``; raise :class:`RangeNotAllowed` if it has more than one ``:``."""
        stripped = text.strip()
        parts = stripped.split(":")
        if len(parts) > 2:
            raise RangeNotAllowed(
                stripped, "a range has exactly one ':' (start:end, start: or :end)"
            )
        if len(parts) == 1:
            return cls(stripped, None, stripped, is_range=False)
        start, end = (part.strip() or None for part in parts)
        return cls(stripped, start, end, is_range=True)

    @property
    def named(self) -> tuple[str, ...]:
        """The revisions the text names: both ends of a range that are given, or the one."""
        return tuple(end for end in (self.start, self.end) if end)


def parse_range(text: str) -> tuple[str | None, str | None]:
    """The ends of a range ``start:end`` where only a range is accepted (``history -r``)."""
    value = RangeText.parse(text)
    if not value.is_range:
        raise RangeNotAllowed(text, "a range needs the form start:end, start: or :end")
    return value.start, value.end
