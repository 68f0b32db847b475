"""SQLite indexes of many tables in one query, shaped as SQLAlchemy's inspector gives them.

SQLAlchemy asks SQLite one ``PRAGMA index_list`` per table and one ``PRAGMA index_info``
per index; for a schema of hundreds of tables that is most of ``flask db check``. The
table-valued forms of those pragmas answer for every table at once. The result equals
``Inspector.get_multi_indexes()`` (tests compare the two): automatic indexes are left out,
a partial index carries its ``sqlite_where``, and an index on expressions is left out and
reported in ``expression_indexes``, where SQLAlchemy would warn.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Connection

__all__ = ["sqlite_indexes"]

_PARTIAL_WHERE = re.compile(r"\)\s+where\s+(.+)", re.IGNORECASE | re.DOTALL)

_INDEX_ROWS = """
SELECT m.name, il.name, il."unique", il.partial, ii.seqno, ii.name
FROM sqlite_master AS m
JOIN pragma_index_list(m.name) AS il
LEFT JOIN pragma_index_info(il.name) AS ii
WHERE m.type = 'table'
ORDER BY m.name, il.name, ii.seqno
"""


def sqlite_indexes(
    connection: Connection, names: Sequence[str]
) -> tuple[dict[tuple[str | None, str], list[dict[str, Any]]], set[str]]:
    """The indexes of the main schema's tables ``names``, and the expression indexes skipped.

    Keys are ``(None, table)`` as the inspector's multi-table methods use them.
    """
    wanted = set(names)
    found: dict[tuple[str, str], dict[str, Any]] = {}
    expression: set[str] = set()
    partial: list[dict[str, Any]] = []
    for table, index, unique, is_partial, _seqno, column in connection.exec_driver_sql(_INDEX_ROWS):
        if table not in wanted or index.startswith("sqlite_autoindex"):
            continue
        key = (table, index)
        entry = found.get(key)
        if entry is None:
            entry = found[key] = {
                "name": index,
                "column_names": [],
                "unique": unique,
                "dialect_options": {},
            }
            if is_partial:
                partial.append(entry)
        if column is None:
            expression.add(index)
        else:
            entry["column_names"].append(column)
    if partial:
        rows = connection.exec_driver_sql(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index'"
        ).all()
        sql = {str(name): str(text_ or "") for name, text_ in rows}
        for entry in partial:
            predicate = _PARTIAL_WHERE.search(sql.get(entry["name"]) or "")
            if predicate is not None:
                entry["dialect_options"]["sqlite_where"] = text(predicate.group(1))
    result: dict[tuple[str | None, str], list[dict[str, Any]]] = {(None, n): [] for n in names}
    for (table, index), entry in found.items():
        if index not in expression:
            result[(None, table)].append(entry)
    for entries in result.values():
        entries.sort(key=lambda entry: entry["name"] or "~")
    return result, expression
