"""Helpers of the fault tests: a migration that waits to be told to go, bounded waits.

A revision written with :func:`pause` touches ``<folder>/reached`` and then waits (at most ten
minutes) for ``<folder>/go``, so that a test can act on the database while the migration is
known to be running: drop its connection, move its file, or kill its process.
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.builder import WAIT

__all__ = ["pause", "wait_until"]

# Generous: starting a process on a busy machine can take many seconds; waits end as soon
# as their condition holds. FML_TEST_WAIT raises it (tests.builder.WAIT).
DEADLINE = WAIT


def pause(folder: Path) -> str:
    """Python statements for an ``upgrade()`` that waits in ``folder`` until told to go."""
    # Only when it really runs: the lint before an upgrade runs upgrade() against a recording
    # context first (as --sql does), where it must not stop.
    return (
        "import pathlib, time\n"
        f"folder = pathlib.Path({str(folder)!r})\n"
        "if not op.get_context().as_sql:\n"
        "    (folder / 'reached').touch()\n"
        "    for _ in range(60000):\n"
        "        if (folder / 'go').exists():\n"
        "            break\n"
        "        time.sleep(0.01)\n"
    )


def wait_until(
    condition: Callable[[], Any],
    what: str,
    process: subprocess.Popen[str] | None = None,
    deadline: float = DEADLINE,
) -> Any:
    """Poll ``condition`` until it returns something true, and return that.

    Fails when ``deadline`` seconds pass, or when ``process`` ends first (with its output).
    """
    end = time.monotonic() + deadline
    while True:
        found = condition()
        if found:
            return found
        if process is not None and process.poll() is not None:
            out, err = process.communicate()
            raise AssertionError(f"the process ended before {what}:\n{out}{err}")
        if time.monotonic() > end:
            raise AssertionError(f"timed out after {deadline:g} s waiting for {what}")
        time.sleep(0.01)
