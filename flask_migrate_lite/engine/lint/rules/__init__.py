"""The lint's rules, one module per group; :data:`RULES` lists every rule."""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy.engine import Dialect

from ..findings import Finding
from . import columns, constraints, destructive, indexes, rebuilds, transactions
from .base import Judge, Rule

__all__ = ["RULES", "Judge", "Rule", "judge_all"]

RULES: tuple[Rule, ...] = (
    *indexes.RULES,
    *constraints.RULES,
    *columns.RULES,
    *destructive.RULES,
    *rebuilds.RULES,
    *transactions.RULES,
)


def judge_all(judge: Judge, dialect: Dialect) -> Iterator[Finding]:
    """Every rule's findings in one recorded function, for the rules of its database."""
    applying = {rule.id for rule in RULES if rule.applies(judge.database)}
    found = [
        *indexes.judge(judge),
        *constraints.judge(judge),
        *columns.judge(judge, dialect),
        *destructive.judge(judge),
        *rebuilds.judge(judge),
        *transactions.judge(judge),
    ]
    for finding in sorted(found, key=lambda finding: finding.line):
        if finding.rule in applying:
            yield finding
