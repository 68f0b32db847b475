"""The names of the test suite's databases on the servers, and which ones were left behind.

Each test process (each xdist worker) creates one database per server, named
``<prefix>_<host>_<pid>_<worker>``: the prefix (``FML_TEST_DB_PREFIX``, default ``fml``), a
tag of this machine's host name, the process id and the xdist worker (``main`` without
xdist). A run that is interrupted leaves its databases behind; the next run on the same
machine drops those whose process is gone. Databases of other machines (another host tag)
and of processes still alive are never touched.
"""

from __future__ import annotations

import hashlib
import os
import re
import socket
from collections.abc import Callable, Iterable

__all__ = [
    "PREFIX_VARIABLE",
    "database_name",
    "host_tag",
    "pid_alive",
    "prefix",
    "stale",
]

PREFIX_VARIABLE = "FML_TEST_DB_PREFIX"
DEFAULT_PREFIX = "fml"
# Lower case (PostgreSQL folds, MariaDB may not) and short enough for the 63 characters
# PostgreSQL allows in a name, with the rest of it.
_PREFIX = re.compile(r"[a-z][a-z0-9_]{0,29}")
_WORKER = r"(?:gw[0-9]+|main)"


def prefix() -> str:
    """The configured prefix; a ``ValueError`` names the variable when it cannot be used."""
    value = os.environ.get(PREFIX_VARIABLE) or DEFAULT_PREFIX
    if not _PREFIX.fullmatch(value):
        raise ValueError(
            f"{PREFIX_VARIABLE}={value!r} cannot start a database name: use up to 30 lower-case "
            "letters, digits and underscores, starting with a letter."
        )
    return value


def host_tag(hostname: str | None = None) -> str:
    """Six hex digits standing for this machine (its host name)."""
    name = socket.gethostname() if hostname is None else hostname
    return hashlib.sha256(name.encode("utf-8")).hexdigest()[:6]


def database_name(prefix: str, host: str, pid: int, worker: str) -> str:
    return f"{prefix}_{host}_{pid}_{worker}"


def pid_alive(pid: int) -> bool:
    """Whether a process with this id runs on this machine (when unsure: yes)."""
    if pid <= 0:
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True
    return True


def stale(
    names: Iterable[str], prefix: str, host: str, alive: Callable[[int], bool] = pid_alive
) -> list[str]:
    """The names among ``names`` that test runs on this machine left behind.

    A name counts when it has this prefix and host tag and its process is gone. Names of the
    form the suite used before the host tag (``<prefix>_<pid>_<worker>``) count as this
    machine's.
    """
    pattern = re.compile(
        rf"{re.escape(prefix)}_(?:(?P<host>[0-9a-f]{{6}})_)?(?P<pid>[0-9]+)_{_WORKER}"
    )
    found = []
    for name in names:
        match = pattern.fullmatch(name)
        if match is None or match["host"] not in (None, host):
            continue
        if not alive(int(match["pid"])):
            found.append(name)
    return sorted(found)
