"""Showing database URLs, and text that may repeat them, without their secrets.

A URL can carry a credential in two places: the password after the user name
(``postgresql://user:secret@host/db``) and the query string
(``postgresql://user@host/db?password=secret``, ``...?sslpassword=...``,
``...?api_key=...``). :func:`mask_url` replaces every one of them with ``***``;
:func:`mask_text` does the same inside any text (a driver's error message may quote the
connection string it was given). Every message that shows a URL goes through these two.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

__all__ = ["MASK", "is_secret_name", "mask_text", "mask_url", "secrets_of"]

MASK = "***"

# A query parameter is a credential when its name contains one of these (any case) ...
_SECRET_PARTS = ("pass", "pwd", "secret", "token", "key", "credential", "signature")
# ... or is one of these.
_SECRET_NAMES = frozenset({"sig", "auth"})

# Replaced after rendering: SQLAlchemy quotes '*' in URLs, this renders as it is.
_PLACEHOLDER = "fmlmaskedsecret"

_NAME = r"[A-Za-z0-9_.\-]*"
# ``name=value`` pairs whose name looks like a credential, as libpq's connection strings,
# ODBC strings (``PWD=...;``) and query strings write them.
_PAIR = re.compile(
    rf"(?P<name>{_NAME}(?:{'|'.join(_SECRET_PARTS)}){_NAME}|\b(?:sig|auth)\b)"
    r"(?P<eq>\s*=\s*)"
    r"(?P<value>'(?:[^'\\]|\\.)*'|\"[^\"]*\"|\{[^}]*\}|[^\s&;,'\")]+)",
    re.IGNORECASE,
)
# ``scheme://user:password@`` anywhere in a text.
_NETLOC = re.compile(r"(?P<head>\b[A-Za-z][A-Za-z0-9+.\-]*://[^\s:/@]*:)(?P<pw>[^\s@/]+)(?=@)")


def is_secret_name(name: str) -> bool:
    """Whether a URL query parameter of this name carries a credential.

    True for names containing ``pass``, ``pwd``, ``secret``, ``token``, ``key``,
    ``credential`` or ``signature`` in any case (``password``, ``sslpassword``, ``passwd``,
    ``access_token``, ``api_key``, ``sslkey``, ``client_secret`` ...), and for ``sig`` and
    ``auth``.
    """
    lowered = name.lower()
    return lowered in _SECRET_NAMES or any(part in lowered for part in _SECRET_PARTS)


def _parse(url: Any) -> Any:
    from sqlalchemy.engine import URL, make_url
    from sqlalchemy.exc import ArgumentError

    if isinstance(url, URL):
        return url
    try:
        return make_url(str(url))
    except (ArgumentError, ValueError, TypeError):
        return None


def mask_url(url: Any) -> str:
    """The URL (a SQLAlchemy ``URL`` or a string) with every credential shown as ``***``.

    The password, the value of each query parameter whose name is a credential's
    (:func:`is_secret_name`), and ``name=value`` credentials inside other values (an ODBC
    string's ``PWD=...``) are masked. Text that is not a URL is masked as by
    :func:`mask_text`.
    """
    parsed = _parse(url)
    if parsed is None:
        return mask_text(str(url))
    query: dict[str, str | tuple[str, ...]] = {}
    for name, value in parsed.query.items():
        if is_secret_name(name):
            query[name] = _PLACEHOLDER if isinstance(value, str) else (_PLACEHOLDER,) * len(value)
        elif isinstance(value, tuple):
            query[name] = tuple(_mask_pairs(item, _PLACEHOLDER) for item in value)
        else:
            query[name] = _mask_pairs(value, _PLACEHOLDER)
    changes: dict[str, Any] = {"query": query}
    if parsed.password is not None:
        changes["password"] = _PLACEHOLDER
    rendered: str = parsed.set(**changes).render_as_string(hide_password=False)
    return rendered.replace(_PLACEHOLDER, MASK)


def secrets_of(url: Any) -> list[str]:
    """The credentials a URL carries (its password and secret query values), longest first."""
    from urllib.parse import quote, quote_plus

    parsed = _parse(url)
    if parsed is None:
        return []
    values: list[str] = []
    if parsed.password:
        values.append(str(parsed.password))
    for name, value in parsed.query.items():
        if is_secret_name(name):
            values.extend([value] if isinstance(value, str) else list(value))
    found = {form for value in values if value for form in (value, quote(value), quote_plus(value))}
    return sorted(found, key=len, reverse=True)


def _mask_pairs(text: str, mask: str = MASK) -> str:
    def replace(match: re.Match[str]) -> str:
        return f"{match['name']}{match['eq']}{mask}"

    text = _PAIR.sub(replace, text)
    return _NETLOC.sub(lambda match: f"{match['head']}{mask}", text)


def _mask_values(text: str, secrets: Iterable[str]) -> str:
    for secret in secrets:
        # Only where the value stands on its own, so that a short password does not mask
        # the same letters inside other words.
        text = re.sub(rf"(?<!\w){re.escape(secret)}(?!\w)", MASK, text)
    return text


def mask_text(text: str, url: Any = None) -> str:
    """``text`` with credentials masked: those of ``url`` wherever they appear, and any
    ``password=...``-style pair or ``scheme://user:password@`` it contains."""
    if url is not None:
        text = _mask_values(text, secrets_of(url))
    return _mask_pairs(text)
