"""Run Flask's command line as ``flask`` does, and note how long the command took once the
app was loaded.

The benchmark starts every measured command through this file (for both tools alike). When
``BENCH_TIMING_FILE`` is set, the seconds from the end of loading the app (models, engine,
migration extension) to the end of the command are written there at exit. Start-up varies
from run to run by more than a fast command takes; this number does not include it.
"""

from __future__ import annotations

import atexit
import os
import sys
import time
from typing import Any

from flask import cli

_loaded: list[float] = []
_load_app = cli.ScriptInfo.load_app


def _timed_load_app(self: cli.ScriptInfo) -> Any:
    app = _load_app(self)
    if not _loaded:
        _loaded.append(time.perf_counter())
    return app


def _write_timing() -> None:
    path = os.environ.get("BENCH_TIMING_FILE")
    if path and _loaded:
        with open(path, "w") as file:
            file.write(f"{time.perf_counter() - _loaded[0]:.6f}\n")


if __name__ == "__main__":
    cli.ScriptInfo.load_app = _timed_load_app  # type: ignore[method-assign]
    atexit.register(_write_timing)
    sys.argv[0] = "flask"
    cli.main()
