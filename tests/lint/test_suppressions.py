"""Suppressions: on the line, at the top of the file, in the configuration; a reason is due."""

from __future__ import annotations

from pathlib import Path

import pytest

from flask_migrate_lite import commands
from flask_migrate_lite.engine.errors import MigrateError
from tests.lint._support import base_app, failing, lint_change, rules

DROP = 'op.drop_column("item", "n")'


def test_a_suppression_on_the_line_keeps_the_finding_with_its_reason(
    tmp_path: Path, sqlite_url: str
) -> None:
    body = f"{DROP}  # migrate-lint: ignore[drop-column] unused since release 2.3"
    with base_app(sqlite_url, tmp_path) as made:
        result = lint_change(made, body)
    assert failing(result) == []
    (finding,) = result.findings
    assert finding.suppressed == "unused since release 2.3"


def test_a_suppression_on_any_line_of_a_multiline_call(tmp_path: Path, sqlite_url: str) -> None:
    body = """
        op.drop_column(
            "item",
            "n",  # migrate-lint: ignore[drop-column] unused since release 2.3
        )
        """
    with base_app(sqlite_url, tmp_path) as made:
        assert failing(lint_change(made, body)) == []


def test_a_suppression_at_the_top_of_the_file_covers_the_file(
    tmp_path: Path, sqlite_url: str
) -> None:
    header = "# migrate-lint: ignore[drop-column, drop-table] the 2.3 release stopped using them"
    body = f'{DROP}\nop.drop_table("owner")'
    with base_app(sqlite_url, tmp_path) as made:
        result = lint_change(made, body, header=header)
    assert failing(result) == []
    assert sorted(rules(result)) == ["drop-column", "drop-table"]


def test_a_suppression_without_a_reason_is_a_finding(tmp_path: Path, sqlite_url: str) -> None:
    body = f"{DROP}  # migrate-lint: ignore[drop-column]"
    with base_app(sqlite_url, tmp_path) as made:
        result = lint_change(made, body)
    assert sorted(failing(result)) == ["bad-suppression", "drop-column"]
    bad = next(finding for finding in result.findings if finding.rule == "bad-suppression")
    assert bad.message == "The suppression of drop-column gives no reason."


def test_a_suppression_naming_no_rule_is_a_finding(tmp_path: Path, sqlite_url: str) -> None:
    body = f"{DROP}  # migrate-lint: ignore[drop-colum] typo"
    with base_app(sqlite_url, tmp_path) as made:
        result = lint_change(made, body)
    assert sorted(failing(result)) == ["bad-suppression", "drop-column"]


def test_the_configured_list_silences_a_rule(tmp_path: Path, sqlite_url: str) -> None:
    with base_app(sqlite_url, tmp_path, lint_ignore=["drop-column"]) as made:
        result = lint_change(made, DROP)
    assert failing(result) == []
    assert [finding.suppressed for finding in result.findings] == ["lint_ignore"]


def test_the_app_config_list_silences_a_rule_for_one_revision(
    tmp_path: Path, sqlite_url: str
) -> None:
    config = {"MIGRATE_LINT_IGNORE": "drop-column@11aa00000002"}
    with base_app(sqlite_url, tmp_path, config=config) as made:
        assert failing(lint_change(made, DROP)) == []


def test_an_unknown_rule_in_the_configured_list_is_refused(tmp_path: Path, sqlite_url: str) -> None:
    with base_app(sqlite_url, tmp_path, lint_ignore=["drop-colum"]) as made:
        with pytest.raises(MigrateError) as caught:
            lint_change(made, DROP)
    assert str(caught.value).startswith(
        "lint_ignore names 'drop-colum', which is no lint rule; give a rule id ("
    )


def test_findings_name_the_line_of_the_op_call(tmp_path: Path, sqlite_url: str) -> None:
    body = 'x = 1\nop.drop_table("owner")'
    with base_app(sqlite_url, tmp_path) as made:
        (finding,) = lint_change(made, body).findings
        lines = Path(finding.path).read_text().splitlines()
        with made.flask.app_context():
            # The base revision creates its tables: nothing in it is judged as existing.
            assert commands.lint(revision="11aa00000001")[0].findings == []
    assert lines[finding.line - 1].strip() == 'op.drop_table("owner")'
