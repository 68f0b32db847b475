"""Every lint rule is documented on the lint page, with the databases it applies to."""

from __future__ import annotations

from pathlib import Path

import pytest

from flask_migrate_lite.engine.lint.run import RULE_IDS

PAGE = Path(__file__).resolve().parents[2] / "docs" / "lint.rst"


@pytest.mark.parametrize("rule", RULE_IDS)
def test_every_rule_has_its_entry(rule: str) -> None:
    text = PAGE.read_text(encoding="utf-8")
    assert f"``{rule}``" in text
