"""The example app's own test suite (``example_app/tests``, configured by
``example_app/pytest.ini``) uses the plugin: it passes, ready-made tests included, on SQLite
and, through ``MIGRATIONS_DATABASE_URL``, on PostgreSQL and MariaDB."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.builder import HANG, ROOT
from tests.plugin.support import plugin_args


def test_the_example_apps_tests_pass(database_url: str) -> None:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PYTEST_", "FLASK_")) and key != "DATABASE_URL"
    }
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    if not database_url.startswith("sqlite"):
        env["MIGRATIONS_DATABASE_URL"] = database_url
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", *plugin_args(), "-p", "no:cacheprovider", "-v"],
        cwd=ROOT / "example_app",
        env=env,
        capture_output=True,
        text=True,
        timeout=HANG,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    lines = proc.stdout.splitlines()
    for name in ("single_head", "upgrade", "models_match", "up_down_up", "downgrade", "lint"):
        assert f"migrations::test_{name} PASSED" in "\n".join(lines)
    assert "9 passed" in lines[-1]
