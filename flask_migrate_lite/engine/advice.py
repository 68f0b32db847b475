"""Advice in the engine's messages, kept as data until a message is shown.

An error that tells the user to run a command ("run 'upgrade' to apply it") holds that
command as a :class:`Run` (its name and arguments) inside its :class:`Text`, not as words of
some command line. The engine shows it in its own terms (:func:`engine_terms`: the command
and its arguments, quoted); whatever drives the engine from a command line of its own passes
a :data:`Renderer` that writes the command as that program spells it, without the engine
ever naming the program.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Union

__all__ = ["Part", "Renderer", "Run", "Text", "engine_terms"]


@dataclass(frozen=True)
class Run:
    """Advice to run one of the commands over the migrations folder.

    ``command`` is its name (``"upgrade"``, ``"stamp"``, ``"history"``) and ``args`` the
    arguments to give it, as written after the name (``("--purge", "heads")``).
    """

    command: str
    args: tuple[str, ...] = ()

    @property
    def line(self) -> str:
        """The command and its arguments: ``stamp --purge heads``."""
        return " ".join((self.command, *self.args))

    def __add__(self, other: Part) -> Text:
        return Text(self, other)

    def __radd__(self, other: str) -> Text:
        return Text(other, self)


#: How a :class:`Run` is written into a message: the words the reader should type, quoted.
Renderer = Callable[[Run], str]


def engine_terms(run: Run) -> str:
    """A command as the engine names it: ``'stamp --purge heads'``."""
    return f"'{run.line}'"


Part = Union[str, Run, "Text"]


class Text:
    """A message: plain text with :class:`Run` advice among it.

    ``Text("run ", Run("upgrade"), " to apply it")``; parts that are texts themselves are
    spliced in, so a message can quote another one with its advice still data. ``+`` joins
    texts, runs and strings: ``"run " + Run("upgrade") + " to apply it"`` is the same text.
    """

    __slots__ = ("parts",)

    parts: tuple[str | Run, ...]

    def __init__(self, *parts: Part) -> None:
        merged: list[str | Run] = []
        for part in _flat(parts):
            if isinstance(part, str) and merged and isinstance(merged[-1], str):
                merged[-1] += part
            elif part != "":
                merged.append(part)
        self.parts = tuple(merged)

    @property
    def advice(self) -> tuple[Run, ...]:
        """The commands the message advises running, in order."""
        return tuple(part for part in self.parts if isinstance(part, Run))

    def render(self, show: Renderer = engine_terms) -> str:
        """The message as one string, each :class:`Run` written by ``show``."""
        return "".join(part if isinstance(part, str) else show(part) for part in self.parts)

    def rstrip(self, chars: str) -> Text:
        """The text without ``chars`` at its end (when it ends with plain text)."""
        if self.parts and isinstance(self.parts[-1], str):
            return Text(*self.parts[:-1], self.parts[-1].rstrip(chars))
        return self

    def __add__(self, other: Part) -> Text:
        return Text(self, other)

    def __radd__(self, other: str) -> Text:
        return Text(other, self)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Text) and other.parts == self.parts

    def __hash__(self) -> int:
        return hash(self.parts)

    def __str__(self) -> str:
        return self.render()

    def __repr__(self) -> str:
        return f"Text{self.parts!r}"


def _flat(parts: tuple[Part, ...]) -> Iterator[str | Run]:
    for part in parts:
        if isinstance(part, Text):
            yield from part.parts
        else:
            yield part
