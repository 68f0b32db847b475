"""New revisions' names: ids, file-name slugs, file names and creation dates, formed the
way Alembic forms them (see :class:`.directory.ScriptDirectory`, which writes the files)."""

from __future__ import annotations

import datetime
import os
import re
import uuid

from ..errors import CommandError, InvalidRevisionId

__all__ = [
    "MAX_FILE_NAME_BYTES",
    "MAX_REV_ID_LENGTH",
    "create_date",
    "new_rev_id",
    "revision_file_name",
    "slugify",
    "validate_rev_id",
]

MAX_REV_ID_LENGTH = 32
"""Longest revision id: the width of ``alembic_version.version_num``."""

MAX_FILE_NAME_BYTES = 255
"""Longest file name most file systems accept; a longer slug is cut to fit."""

_REV_ID = re.compile(r"[A-Za-z0-9_]+")
_RESERVED = frozenset({"head", "heads", "base", "current"})
_WORD = re.compile(r"\w+")


# --- ids, slugs, file names, dates --------------------------------------------------------


def new_rev_id() -> str:
    """A new random revision id: 12 lowercase hex digits, as Alembic makes them."""
    return uuid.uuid4().hex[-12:]


def validate_rev_id(rev_id: str) -> None:
    """Check an id given with ``--rev-id``; raise :class:`InvalidRevisionId` if unusable.

    Alembic itself only refuses ids holding ``@``, ``-``, ``+`` or ``:``, the characters of
    its identifier grammar. This engine is stricter, so that every id can be typed on the
    command line, named in a file name and stored in the version table: an id is 1 to 32
    ASCII letters, digits or underscores, and not one of the words ``head``, ``heads``,
    ``base`` and ``current``, which would always mean something else. (Files already on
    disk are read whatever their ids.)
    """
    if not rev_id:
        raise InvalidRevisionId(rev_id, "it is empty")
    if len(rev_id) > MAX_REV_ID_LENGTH:
        raise InvalidRevisionId(
            rev_id, f"it is longer than {MAX_REV_ID_LENGTH} characters, the version table's width"
        )
    if not _REV_ID.fullmatch(rev_id) or not rev_id.isascii():
        bad = sorted({c for c in rev_id if not (c.isascii() and (c.isalnum() or c == "_"))})
        raise InvalidRevisionId(
            rev_id,
            f"it contains {', '.join(repr(c) for c in bad)}; use only letters, digits and '_'",
        )
    if rev_id in _RESERVED:
        raise InvalidRevisionId(rev_id, f"'{rev_id}' is a reserved word in revision identifiers")


def slugify(message: str | None, truncate_slug_length: int = 40) -> str:
    """The file-name slug of a message, as Alembic forms it.

    The words (runs of letters, digits and ``_``) joined by ``_`` and lowercased; a slug
    longer than ``truncate_slug_length`` is cut at that length, back to the last ``_``
    before the cut, and ends with ``_`` to show it was cut.
    """
    return _truncated("_".join(_WORD.findall(message or "")).lower(), truncate_slug_length)


def _truncated(slug: str, length: int) -> str:
    if len(slug) > length:
        head = slug[:length]
        slug = (head.rsplit("_", 1)[0] if "_" in head else head) + "_"
    return slug


def revision_file_name(
    file_template: str,
    rev_id: str,
    message: str | None,
    when: datetime.datetime,
    truncate_slug_length: int = 40,
) -> str:
    """The file name (with ``.py``) of a new revision, from ``file_template``.

    The template may use ``%(rev)s``, ``%(slug)s``, ``%(epoch)s`` and the parts of the
    creation date ``%(year)d``, ``%(month).2d``, ``%(day).2d``, ``%(hour).2d``,
    ``%(minute).2d`` and ``%(second).2d``. The slug holds only word characters (no path
    separator, dot or control character) and is cut further when the name would pass
    :data:`MAX_FILE_NAME_BYTES`. A name the revision scanner would skip (empty, hidden, or
    an ``__init__`` module) is refused.
    """
    full_slug = "_".join(_WORD.findall(message or "")).lower()
    length = min(truncate_slug_length, MAX_FILE_NAME_BYTES)
    while True:
        name = _format_name(file_template, rev_id, _truncated(full_slug, length), when)
        base = os.path.basename(name)
        if len(os.fsencode(base)) <= MAX_FILE_NAME_BYTES or length <= 1:
            break
        length -= 1
    if len(os.fsencode(base)) > MAX_FILE_NAME_BYTES:
        raise CommandError(
            f"The file_template '{file_template}' makes file names longer than "
            f"{MAX_FILE_NAME_BYTES} bytes; shorten it in alembic.ini."
        )
    if base.startswith((".", "__init__")):
        raise CommandError(
            f"The file name '{base}' made from file_template '{file_template}' would be "
            "skipped as a revision file; start file_template with %(rev)s, or give a "
            "message with words in it."
        )
    return name


def _format_name(file_template: str, rev_id: str, slug: str, when: datetime.datetime) -> str:
    values: dict[str, object] = {
        "rev": rev_id,
        "slug": slug,
        "epoch": int(when.timestamp()),
        "year": when.year,
        "month": when.month,
        "day": when.day,
        "hour": when.hour,
        "minute": when.minute,
        "second": when.second,
    }
    try:
        return f"{file_template % values}.py"
    except KeyError as exc:
        raise CommandError(
            f"The file_template '{file_template}' uses the unknown key {exc.args[0]!r}; "
            f"the keys are {', '.join(values)}."
        ) from None
    except (TypeError, ValueError) as exc:
        raise CommandError(f"The file_template '{file_template}' is not valid: {exc}.") from None


def create_date(timezone: str | None = None) -> datetime.datetime:
    """Now, for the ``Create Date`` of a new revision: local time, or aware in ``timezone``.

    As in Alembic, a zone name that is not found is tried again in upper case (``utc``).
    """
    if timezone is None:
        return datetime.datetime.now()
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    for name in (timezone, timezone.upper()):
        try:
            zone = ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            continue
        return datetime.datetime.now(tz=datetime.timezone.utc).astimezone(zone)
    raise CommandError(
        f"The timezone '{timezone}' of alembic.ini is unknown; "
        "use a zone name such as 'UTC' or 'Europe/Paris'."
    )
