"""The engine's messages say what went wrong in its own terms; ``flask db`` is the Flask side's.

An engine error keeps the commands it advises running as data (:class:`Run` parts of its
:class:`Text`). ``str(error)`` of an error the engine raised names them as the engine does
(``'upgrade'``); the command functions and the command line write them as ``'flask db
upgrade'``, so what a user of the Flask extension reads is unchanged.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from flask import Flask
from flask_sqlalchemy import SQLAlchemy

import flask_migrate_lite
from flask_migrate_lite import Migrate
from flask_migrate_lite.commands.advice import flask_advice, flask_command, in_flask_terms
from flask_migrate_lite.engine import errors
from flask_migrate_lite.engine.advice import Run, Text, engine_terms
from flask_migrate_lite.engine.operations.api import op
from flask_migrate_lite.engine.runtime.modules import load_module
from flask_migrate_lite.engine.script.directory import ScriptDirectory
from flask_migrate_lite.engine.script.graph import Revision, RevisionGraph

ENGINE = Path(flask_migrate_lite.__file__).resolve().parent / "engine"
TEMPLATES = ENGINE / "script" / "templates"


def test_no_engine_module_names_the_flask_command_line() -> None:
    # The templates are the text of a user's migrations folder, not the engine's messages.
    files = [
        path
        for path in sorted(ENGINE.rglob("*"))
        if path.is_file() and TEMPLATES not in path.parents and path.suffix != ".pyc"
    ]
    assert any(path.name == "errors.py" for path in files)
    naming = [
        str(path.relative_to(ENGINE))
        for path in files
        if "flask db" in path.read_text(encoding="utf-8").lower()
    ]
    assert naming == []


# --- the advice as data ---------------------------------------------------------------------


def test_a_text_keeps_its_advice_apart_from_its_words() -> None:
    text = "run " + Run("stamp", ("--purge", "heads")) + " to repair it"
    assert isinstance(text, Text)
    assert text.parts == ("run ", Run("stamp", ("--purge", "heads")), " to repair it")
    assert text.advice == (Run("stamp", ("--purge", "heads")),)
    assert str(text) == "run 'stamp --purge heads' to repair it"
    assert text.render(flask_command) == "run 'flask db stamp --purge heads' to repair it"
    # A text quoted in another one keeps its advice as data; plain parts are merged.
    outer = Text("It failed: ", text, ".")
    assert outer.parts == ("It failed: run ", Run("stamp", ("--purge", "heads")), " to repair it.")
    assert outer.rstrip(".") == Text("It failed: ", text)
    assert Text("plain", "", " words").parts == ("plain words",)
    assert engine_terms(Run("downgrade", ("-1",))) == "'downgrade -1'"


def test_a_plain_message_has_no_advice() -> None:
    error = errors.CommandError("Something is wrong; fix it.")
    assert error.advice == ()
    assert str(error) == str(in_flask_terms(error)) == "Something is wrong; fix it."
    assert error.args == ("Something is wrong; fix it.",)


# --- engine errors in the engine's terms -----------------------------------------------------


def graph() -> RevisionGraph:
    return RevisionGraph(
        [Revision("aaa1"), Revision("bbb2", ("aaa1",)), Revision("ccc3", ("bbb2",))]
    )


def test_unknown_revision_in_engine_terms() -> None:
    with pytest.raises(errors.UnknownRevision) as info:
        graph().resolve("zzz9")
    assert info.value.advice == (Run("history"),)
    assert (
        str(info.value) == "No revision matches 'zzz9'; run 'history' to see the known revisions."
    )
    assert str(in_flask_terms(info.value)) == (
        "No revision matches 'zzz9'; run 'flask db history' to see the known revisions."
    )


def test_wrong_direction_in_engine_terms() -> None:
    with pytest.raises(errors.TargetIsNotAncestor) as info:
        graph().upgrade_path(["ccc3"], "aaa1")
    assert info.value.advice == (Run("downgrade", ("aaa1",)),)
    assert str(info.value) == (
        "Cannot upgrade to 'aaa1': it is below the current revision (ccc3), which already "
        "includes it; to go back to it, run 'downgrade aaa1'."
    )
    # The engine's own text is kept; only the advice is written differently.
    assert info.value.text.render(engine_terms) == str(info.value)
    assert info.value.message.endswith("run 'downgrade aaa1'.")


def test_not_up_to_date_in_engine_terms() -> None:
    pending = errors.TargetNotUpToDate(["bbb2", "ccc3"], ["aaa1"], ["ccc3"])
    assert pending.advice == (Run("upgrade"),)
    assert str(pending) == (
        "Target database is not up to date: 2 revisions are pending (bbb2, ccc3); "
        "run 'upgrade' to apply them."
    )
    edited = errors.TargetNotUpToDate([], ["zzz9"], ["ccc3"])
    assert edited.advice == (Run("stamp", ("--purge", "heads")),)
    assert str(edited).endswith("if it was edited by hand, set it with 'stamp --purge heads'.")
    assert str(in_flask_terms(edited)).endswith(
        "if it was edited by hand, set it with 'flask db stamp --purge heads'."
    )


def test_missing_folder_in_engine_terms(tmp_path: Path) -> None:
    with pytest.raises(errors.NoMigrationsFolder) as info:
        ScriptDirectory.from_path(tmp_path / "nowhere")
    assert str(info.value) == (
        f"No migrations folder at '{tmp_path / 'nowhere'}'; run 'init' to create one, "
        "or pass its location with --directory."
    )


def test_op_outside_a_migration_in_engine_terms() -> None:
    with pytest.raises(errors.OperationOutsideMigration) as info:
        op.execute("SELECT 1")
    assert str(info.value) == (
        "'op.execute' can only be called from a migration's upgrade() or downgrade() "
        "while 'upgrade' or 'downgrade' runs it."
    )


def test_an_error_quoted_by_another_keeps_its_advice(tmp_path: Path) -> None:
    # A revision file that calls op at module level: the loader's error quotes op's.
    path = tmp_path / "aaa1_early.py"
    path.write_text(
        "from flask_migrate_lite import op\n"
        "revision = 'aaa1'\n"
        "down_revision = None\n"
        "op.execute('SELECT 1')\n",
        encoding="utf-8",
    )
    with pytest.raises(errors.ScriptError) as info:
        load_module(path)
    assert info.value.advice == (Run("upgrade"),)
    assert "while 'upgrade' or 'downgrade' runs it" in str(info.value)
    assert "while 'flask db upgrade' or 'downgrade' runs it" in str(in_flask_terms(info.value))
    loading = errors.RevisionNotLoadable(info.value, "nothing was applied")
    assert loading.advice == (Run("upgrade"),)
    assert "while 'upgrade' or 'downgrade' runs it" in str(loading)
    assert "while 'flask db upgrade' or" in str(in_flask_terms(loading))


# --- the Flask side writes the advice as 'flask db ...' -------------------------------------


def test_flask_advice_marks_what_a_command_function_raises() -> None:
    @flask_advice
    def resolve(identifier: str) -> tuple[str, ...]:
        return graph().resolve(identifier)

    assert resolve("bbb2") == ("bbb2",)
    with pytest.raises(errors.UnknownRevision) as info:
        resolve("zzz9")
    assert str(info.value) == (
        "No revision matches 'zzz9'; run 'flask db history' to see the known revisions."
    )


@contextmanager
def _app(tmp_path: Path, url: str) -> Iterator[Flask]:
    app = Flask("advice")
    app.config["SQLALCHEMY_DATABASE_URI"] = url
    db = SQLAlchemy(app)
    Migrate(app, db, directory=str(tmp_path / "migrations"))
    with app.app_context():
        try:
            yield app
        finally:
            db.session.remove()
            for engine in db.engines.values():
                engine.dispose()


def test_the_command_functions_advise_flask_db(tmp_path: Path, database_url: str) -> None:
    def quiet(line: str) -> None:
        pass

    with _app(tmp_path, database_url):
        with pytest.raises(errors.NoMigrationsFolder) as missing:
            flask_migrate_lite.upgrade()
        assert "run 'flask db init' to create one" in str(missing.value)
        flask_migrate_lite.init(report=quiet)
        flask_migrate_lite.revision(message="first", rev_id="adv000000001", report=quiet)
        with pytest.raises(errors.TargetNotUpToDate) as pending:
            flask_migrate_lite.check()
        assert pending.value.advice == (Run("upgrade"),)
        assert str(pending.value) == (
            "Target database is not up to date: revision adv000000001 is pending; "
            "run 'flask db upgrade' to apply it."
        )
