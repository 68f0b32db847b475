"""Tables rebuilt by copying every row (batch mode)."""

from __future__ import annotations

from collections.abc import Iterator

from ..findings import Finding
from ..recording import BatchRebuild
from .base import Judge, Rule

__all__ = ["RULES", "judge"]

BATCH_REBUILD = Rule(
    "batch-rebuild",
    ("sqlite", "postgresql", "mysql"),
    "A batch_alter_table() block rebuilds an existing table: a full rewrite.",
    {
        "sqlite": (
            "the database's write lock for the whole copy of the table into a new one "
            "(every writer waits; seconds per million rows)"
        ),
        "*": "the table is copied into a new one under an exclusive lock (recreate='always')",
    },
    {
        "sqlite": (
            "keep each change to what ALTER TABLE does in place (adding a nullable column, "
            "renaming; dropping a column on SQLite 3.35+), or run the rebuild when the "
            "application is stopped"
        ),
        "*": "use recreate='auto' so that the changes run as ALTER TABLE",
    },
)

RULES = (BATCH_REBUILD,)


def judge(judge: Judge) -> Iterator[Finding]:
    """The findings of the rebuild rule in one recorded function."""
    for entry in judge.entries():
        operation = entry.operation
        if isinstance(operation, BatchRebuild) and judge.existing(
            operation.table_name, operation.schema
        ):
            yield judge.finding(
                BATCH_REBUILD,
                entry,
                f"batch_alter_table('{operation.table_name}') rebuilds the table, copying "
                "every row.",
            )
