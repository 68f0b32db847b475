"""``squash``: one revision file standing for a straight run of revisions (see
:doc:`squash`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..appstate import app_state
from ..engine.errors import CommandError, UsageError
from .advice import flask_advice
from .arguments import check_rev_id
from .running import Directory, Report, reporter

if TYPE_CHECKING:
    from ..engine.script.graph import Revision

__all__ = ["SquashResult", "squash"]


@dataclass
class SquashResult:
    """The squash revision written, the revisions it replaces and what remains of them."""

    revision: Revision
    replaces: tuple[str, ...]
    operations: int
    kept: tuple[str, ...]


@flask_advice
def squash(
    directory: Directory = None,
    rev_range: str | None = None,
    message: str | None = None,
    rev_id: str | None = None,
    baseline: bool = False,
    *,
    report: Report | None = None,
) -> SquashResult:
    """Write one revision that replaces the revisions of ``rev_range`` (``A:B``, ``:B`` or
    ``B``: from ``A``, or from base, up to ``B``); with ``baseline``, every revision up to
    the head."""
    from ..engine.autogenerate.render import RenderOptions
    from ..engine.squash.build import build_squash, render_squash
    from ..engine.squash.select import select_all, select_range

    if baseline and rev_range:
        raise UsageError(
            "squash --baseline replaces every revision up to the head; leave out the range."
        )
    check_rev_id(rev_id)
    state = app_state(directory)
    if state.multidb:
        raise CommandError(
            "squash works on single-database migrations folders; this one is multi-database."
        )
    scripts = state.scripts
    text = "head" if baseline or not rev_range else rev_range
    chosen = select_all(scripts.graph()) if baseline else select_range(scripts.graph(), text)
    database = state.default_database()
    built = build_squash(
        chosen.revisions,
        scripts.load_module,
        database.engine.dialect,
        dict(state.config.x_args),
        text,
    )
    options = RenderOptions(
        as_batch=state.options.render_as_batch,
        user_module_prefix=state.options.user_module_prefix,
        render_item=state.options.render_item,
        dialect_name=database.engine.dialect.name,
    )
    imports: set[str] = set()
    upgrades, downgrades = render_squash(built, options, imports)
    first, last = chosen.replaces[0], chosen.replaces[-1]
    if message is None:
        message = "baseline" if baseline else f"squash {first} to {last}"
    created = scripts.generate_squash(
        parents=chosen.down_revisions,
        replaces=chosen.replaces,
        message=message,
        branch_label=chosen.branch_labels,
        rev_id=rev_id,
        depends_on=chosen.depends_on,
        upgrades=upgrades,
        downgrades=downgrades,
        imports=sorted(imports),
        template_args=state.template_args(),
    )
    echo = reporter(report)
    echo(f"Generating {created.path} ...  done")
    kept = tuple(piece.revisions[0].revision for piece in built.pieces if piece.kept)
    count = len(chosen.replaces)
    remain = "operation remains" if built.operations == 1 else "operations remain"
    line = f"Replaces {count} revisions ({first} to {last}); {built.operations} {remain}"
    if kept:
        line += f", {len(kept)} of them kept as written ({', '.join(kept)})"
    echo(line + ".")
    return SquashResult(created, chosen.replaces, built.operations, kept)
