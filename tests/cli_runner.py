"""``flask`` commands run in-process, with stdout and stderr kept apart on every click release.

Kept for the tests that import from here: the implementation is :func:`tests.builder.invoke`.
"""

from __future__ import annotations

from tests.builder import invoke

__all__ = ["invoke"]
