"""``flask`` commands run in-process, with stdout and stderr kept apart on every click release.

click 8.2 keeps the two streams apart and gives both, interleaved, as ``output``. Before 8.2
(the floor, 8.1.3) a runner keeps them apart only when asked (``mix_stderr=False``), and its
``output`` is then stdout alone; here it is stdout followed by stderr, as close as 8.1 can
come.
"""

from __future__ import annotations

import inspect
from collections.abc import Sequence

from click.testing import CliRunner, Result
from flask import Flask

__all__ = ["invoke"]

_MIXES = "mix_stderr" in inspect.signature(CliRunner.__init__).parameters


class _ApartResult(Result):
    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def invoke(app: Flask, args: Sequence[str]) -> Result:
    """Run ``flask <args>`` for ``app`` in-process."""
    if not _MIXES:
        return app.test_cli_runner().invoke(args=list(args))
    result = app.test_cli_runner(mix_stderr=False).invoke(args=list(args))
    result.__class__ = _ApartResult
    return result
