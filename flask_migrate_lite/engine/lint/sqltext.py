"""What a statement given to ``op.execute()`` does, read from its text."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy.sql.dml import UpdateBase

__all__ = ["Statement", "read_statement"]

_DDL = re.compile(r"^\s*(ALTER|CREATE|DROP|RENAME|TRUNCATE)\b", re.I)
_DATA = re.compile(r"^\s*(UPDATE|DELETE|INSERT|MERGE)\b", re.I)
_LOCK_TIMEOUT = re.compile(
    r"^\s*SET\s+(SESSION\s+|LOCAL\s+)?(lock_timeout|lock_wait_timeout)\b", re.I
)
_CREATE_INDEX = re.compile(
    r"^\s*CREATE\s+(UNIQUE\s+)?INDEX\s+(CONCURRENTLY\s+)?(IF\s+NOT\s+EXISTS\s+)?"
    r"(?P<name>[\w\".`]+)\s+ON\s+(?P<table>[\w\".`]+)",
    re.I,
)
_ALTER_TABLE = re.compile(
    r"^\s*ALTER\s+TABLE\s+(IF\s+EXISTS\s+)?(ONLY\s+)?(?P<table>[\w\".`]+)", re.I
)
_VALIDATE = re.compile(r"\bVALIDATE\s+CONSTRAINT\s+(?P<name>[\w\"`]+)", re.I)
_ONLINE = re.compile(r"ALGORITHM\s*=\s*(INPLACE|NOCOPY)", re.I)
_INSTANT = re.compile(r"ALGORITHM\s*=\s*INSTANT", re.I)
_NO_LOCK = re.compile(r"LOCK\s*=\s*NONE", re.I)


def _bare(name: str) -> str:
    return name.split(".")[-1].strip('"`')


@dataclass(frozen=True)
class Statement:
    """The kind of one executed statement."""

    text: str
    ddl: bool = False
    data: bool = False
    sets_lock_timeout: bool = False
    #: ``CREATE INDEX``: the table, and whether it is built without blocking writes.
    index_table: str | None = None
    concurrent: bool = False
    online: bool = False
    #: ``ALTER TABLE``: the table.
    altered_table: str | None = None
    #: ``VALIDATE CONSTRAINT name``.
    validates: str | None = None


def read_statement(sqltext: Any) -> Statement:
    """Classify ``sqltext`` (a string, ``sa.text()`` or a statement object)."""
    if isinstance(sqltext, UpdateBase):
        return Statement(str(sqltext), data=True)
    text = str(sqltext)
    index = _CREATE_INDEX.match(text)
    alter = _ALTER_TABLE.match(text)
    validate = _VALIDATE.search(text)
    online = bool(_INSTANT.search(text) or (_ONLINE.search(text) and _NO_LOCK.search(text)))
    return Statement(
        text,
        ddl=bool(_DDL.match(text)),
        data=bool(_DATA.match(text)),
        sets_lock_timeout=bool(_LOCK_TIMEOUT.match(text)),
        index_table=_bare(index.group("table")) if index else None,
        concurrent=bool(index and index.group(2)),
        online=online,
        altered_table=_bare(alter.group("table")) if alter else None,
        validates=_bare(validate.group("name")) if validate else None,
    )
