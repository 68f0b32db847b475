"""How rendered Python is laid out: calls and lists as trees, split the way formatters do.

A call ``f(a, k=b)`` or a list ``[a, b]`` is a :class:`Seq` of items; :func:`layout` writes
it on one line when it fits in :data:`LINE_LENGTH`, else its items together on an indented
line of their own, else one item per line with a trailing comma.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, TypeAlias

from sqlalchemy.sql.elements import conv

__all__ = [
    "LINE_LENGTH",
    "STEP",
    "Kwargs",
    "Node",
    "Seq",
    "Unrenderable",
    "call",
    "flat",
    "layout",
    "list_node",
    "literals",
    "name_arg",
]

#: Lines longer than this are split, one argument per line (ruff's and black's default).
LINE_LENGTH = 88
#: One level of indentation.
STEP = 4


@dataclass
class Seq:
    """A bracketed, comma-separated sequence: a call ``f(a, k=b)`` or a list ``[a, b]``."""

    open: str
    items: list[tuple[str, Node]]  # (prefix such as "name=", node)
    close: str


Node: TypeAlias = "str | Seq"
Kwargs: TypeAlias = list[tuple[str, "Node"]]


def call(func: str, args: Sequence[Node] = (), kwargs: Kwargs | None = None) -> Seq:
    """``func(args..., key=value...)``."""
    items: list[tuple[str, Node]] = [("", arg) for arg in args]
    items += [(f"{key}=", value) for key, value in kwargs or ()]
    return Seq(f"{func}(", items, ")")


def list_node(items: Iterable[Node]) -> Seq:
    """``[items...]``."""
    return Seq("[", [("", item) for item in items], "]")


def flat(node: Node) -> str:
    """``node`` on one line."""
    if isinstance(node, str):
        return node
    inner = ", ".join(prefix + flat(item) for prefix, item in node.items)
    return f"{node.open}{inner}{node.close}"


def layout(
    node: Node, indent: int, lead: str = "", trail: str = "", force: bool = False
) -> list[str]:
    """The lines of ``node``, split the way code formatters split a call that is too long.

    One line if it fits; else the items together on an indented line of their own; else one
    item per line with a trailing comma. ``force`` goes straight to one item per line.
    """
    pad = " " * indent
    one_line = lead + flat(node) + trail
    if (
        isinstance(node, str)
        or not node.items
        or (not force and len(pad + one_line) <= LINE_LENGTH)
    ):
        return [pad + one_line]
    inner = pad + " " * STEP + ", ".join(prefix + flat(item) for prefix, item in node.items)
    if not force and len(inner) <= LINE_LENGTH:
        return [pad + lead + node.open, inner, pad + node.close + trail]
    lines = [pad + lead + node.open]
    if len(node.items) == 1 and not force:  # a lone argument hugs its brackets
        prefix, item = node.items[0]
        return [*lines, *layout(item, indent + STEP, prefix), pad + node.close + trail]
    for prefix, item in node.items:
        lines += layout(item, indent + STEP, prefix, ",")
    lines.append(pad + node.close + trail)
    return lines


class Unrenderable(Exception):
    """A value has no Python spelling that would rebuild it (a function, a module...)."""


def name_arg(name: object, receiver: str) -> str:
    """A constraint or index name; a ``conv`` (final) name goes through ``op.f()``."""
    if not isinstance(name, str):  # None, or SQLAlchemy's "no name" marker
        return "None"
    if isinstance(name, conv):
        return f"{receiver}.f({str(name)!r})"
    return repr(str(name))


def literals(**options: Any) -> Kwargs:
    """Keyword arguments given (not None), with their values as Python literals."""
    return [(key, repr(value)) for key, value in options.items() if value is not None]
