"""Suppressions written in a revision file: ``# migrate-lint: ignore[rule-id] reason``.

On the line of an ``op.`` call (any line of its statement) it silences that call's findings
of the named rules; on a comment line at the top of the file (before the first ``def``) it
silences them in the whole file. Several ids are separated by commas. The reason is required:
a suppression without one, or naming no rule, is itself a finding (:data:`BAD_SUPPRESSION`).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Collection
from dataclasses import dataclass, field

from .findings import Finding
from .rules.base import Rule

__all__ = ["BAD_SUPPRESSION", "Suppressions", "read_suppressions"]

BAD_SUPPRESSION = Rule(
    "bad-suppression",
    ("postgresql", "mysql", "sqlite"),
    "A suppression comment gives no reason, or names no rule.",
    {"*": ""},
    {"*": "write it as '# migrate-lint: ignore[rule-id] why it is safe here'"},
)

_MARKER = "migrate-lint:"
_COMMENT = re.compile(r"#\s*migrate-lint:\s*ignore\[(?P<ids>[^\]]*)\](?P<reason>.*)$")


@dataclass
class Suppressions:
    """The suppressions of one revision file."""

    whole_file: dict[str, str] = field(default_factory=dict)
    by_line: dict[int, dict[str, str]] = field(default_factory=dict)
    #: Line -> the lines of the statement it belongs to.
    spans: dict[int, range] = field(default_factory=dict)
    problems: list[tuple[int, str]] = field(default_factory=list)

    def reason(self, rule: str, line: int) -> str | None:
        """The reason silencing ``rule`` at ``line``, or None."""
        for number in self.spans.get(line, range(line, line + 1)):
            found = self.by_line.get(number, {})
            if rule in found:
                return found[rule]
        return self.whole_file.get(rule)

    def findings(self, revision: str, path: str) -> list[Finding]:
        """The findings for the malformed suppressions."""
        return [
            Finding(
                rule=BAD_SUPPRESSION.id,
                revision=revision,
                path=path,
                line=line,
                phase="upgrade",
                message=problem,
                locks="",
                recipe=BAD_SUPPRESSION.recipe["*"],
            )
            for line, problem in self.problems
        ]


def _spans(tree: ast.Module) -> dict[int, range]:
    spans: dict[int, range] = {}
    for node in ast.walk(tree):
        if not isinstance(node, ast.stmt):
            continue
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.stmt):
            end = body[0].lineno - 1  # a compound statement: its header lines
        else:
            end = node.end_lineno or node.lineno
        lines = range(node.lineno, max(end, node.lineno) + 1)
        for number in lines:
            if number not in spans or len(lines) < len(spans[number]):
                spans[number] = lines
    return spans


def read_suppressions(source: str, known: Collection[str]) -> Suppressions:
    """The suppressions written in ``source``; ``known`` are the rule ids."""
    result = Suppressions()
    if _MARKER not in source:
        # No line can hold a suppression: nothing to silence, nothing malformed (the spans
        # only serve to find suppressions), so the source is not parsed.
        return result
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return result
    result.spans = _spans(tree)
    first_def = min(
        (node.lineno for node in tree.body if isinstance(node, ast.FunctionDef | ast.ClassDef)),
        default=len(source.splitlines()) + 1,
    )
    for number, text in enumerate(source.splitlines(), start=1):
        found = _COMMENT.search(text)
        if found is None:
            continue
        ids = [part.strip() for part in found.group("ids").split(",") if part.strip()]
        reason = found.group("reason").strip()
        unknown = [rule for rule in ids if rule not in known]
        if not ids or unknown:
            names = ", ".join(unknown) or "nothing"
            result.problems.append((number, f"The suppression names {names}, not a lint rule."))
            continue
        if not reason:
            result.problems.append(
                (number, f"The suppression of {', '.join(ids)} gives no reason.")
            )
            continue
        whole = text.lstrip().startswith("#") and number < first_def
        target = result.whole_file if whole else result.by_line.setdefault(number, {})
        for rule in ids:
            target[rule] = reason
    return result
