"""What the lint reports: one :class:`Finding` per risky operation."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

__all__ = ["Finding", "Severity"]

#: ``error`` findings fail the lint unless suppressed; ``info`` findings are facts to know.
Severity = Literal["error", "info"]


@dataclass(frozen=True)
class Finding:
    """A rule's judgement of one operation of one revision."""

    rule: str
    revision: str
    path: str
    line: int
    #: ``upgrade`` or ``downgrade``.
    phase: str
    #: What the operation does wrong, in one sentence.
    message: str
    #: What it locks, and roughly for how long on a big table.
    locks: str
    #: The safe way to do the same.
    recipe: str
    severity: Severity = "error"
    #: The reason given in a suppression that silences it (None: not suppressed).
    suppressed: str | None = None

    @property
    def fails(self) -> bool:
        """Whether this finding makes the lint fail (an unsuppressed error)."""
        return self.severity == "error" and self.suppressed is None

    def to_json(self) -> dict[str, Any]:
        """The finding as a JSON object (``--format json``)."""
        return asdict(self)

    def describe(self) -> str:
        """The finding as lines of text: where, what, what it locks, the recipe."""
        head = f"{self.path}:{self.line}: {self.rule} ({self.revision} {self.phase})"
        if self.severity == "info":
            head += " [info]"
        if self.suppressed is not None:
            head += f" [suppressed: {self.suppressed}]"
        lines = [f"{head}: {self.message}"]
        if self.locks:
            lines.append(f"    locks: {self.locks}")
        if self.recipe:
            lines.append(f"    safe recipe: {self.recipe}")
        return "\n".join(lines)
