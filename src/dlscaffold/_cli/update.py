"""`dlscaffold update`: bring a project to a newer template version, or preview it."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from dlscaffold import _console
from dlscaffold._cli._boundary import error_boundary
from dlscaffold._cli._options import (
    AnswersFileOption,
    DataOption,
    DefaultsOption,
    TrustOption,
    VcsRefOption,
)
from dlscaffold._cli._parsing import parse_pairs

if TYPE_CHECKING:
    from dlscaffold._update import UpdateResult

_STATUS_STYLES = {"conflict": "bold red", "kept": "yellow", "deleted": "red", "added": "green"}


def update(
    path: Annotated[Path, typer.Argument(help="The project's root folder.")] = Path(),
    vcs_ref: VcsRefOption = None,
    data: DataOption = None,
    defaults: DefaultsOption = False,
    trust: TrustOption = False,
    diff: Annotated[
        bool,
        typer.Option("--diff", "--pretend", help="Preview the changes; write nothing."),
    ] = False,
    patch: Annotated[
        bool, typer.Option("--patch", help="With --diff, also print each file's patch.")
    ] = False,
    answers_file: AnswersFileOption = ".copier-answers.yml",
) -> None:
    """Update a project to a newer template version with a three-way merge.

    Exit codes: 0 updated, 5 updated with conflicts, 6 nothing to do, 1 refused, 4 untrusted
    (a preview exits with the code the update would give).
    """
    from dlscaffold._update import update_project

    with error_boundary():
        result = update_project(
            path,
            vcs_ref=vcs_ref,
            data=parse_pairs(data, option="--data"),
            defaults=defaults,
            trust=trust,
            pretend=diff,
            answers_file=answers_file,
            on_message=_template_message,
        )
    _report(result, path=path, patch=patch)
    raise typer.Exit(result.exit_code)


def _report(result: UpdateResult, *, path: Path, patch: bool) -> None:
    _report_replaced_answers(result)
    if result.nothing_to_do:
        _console.success(f"Nothing to do: {path} is at template version {result.old_version}.")
        return
    verb = "Would update" if not result.applied else "Updated"
    _console.info(f"{verb} {path} from template {result.old_version} to {result.new_version}.")
    rows = [
        [c.status.value, c.kind.value, c.path, c.note] for c in result.changes if c.writes or c.note
    ]
    _console.print_table(["status", "kind", "path", "note"], rows, styles=_STATUS_STYLES)
    if patch and not result.applied:
        _print_patch(result)
    _summarise_conflicts(result)
    if result.applied and result.message_after:
        _template_message(result.message_after)


def _template_message(text: str) -> None:
    """Show a template's own `_message_before_update` / `_message_after_update`, as copier does."""
    _console.info(_console.escape(text))


def _print_patch(result: UpdateResult) -> None:
    """Write the patch as raw bytes on stdout: never wrapped, so `git apply` takes it."""
    import sys

    from dlscaffold._update.patch import changes_patch

    sys.stdout.flush()
    _console.out_console().file.flush()
    sys.stdout.buffer.write(changes_patch(result.changes))
    sys.stdout.buffer.flush()


def _report_replaced_answers(result: UpdateResult) -> None:
    from dlscaffold._engine import show_value

    for answer in result.replaced_answers:
        now = "now" if answer.asked else "using the new default"
        _console.warning(
            f"{answer.name}: {show_value(answer.old)} is no longer valid; "
            f"{now} {show_value(answer.new)}"
        )


def _summarise_conflicts(result: UpdateResult) -> None:
    if result.applied and result.leftover_markers:
        _console.warning(
            f"{len(result.leftover_markers)} file(s) hold conflict markers: "
            f"{', '.join(result.leftover_markers)}. Resolve them, then commit."
        )
    elif result.conflicts:
        _console.warning(f"{len(result.conflicts)} file(s) would conflict.")
    elif result.applied:
        _console.success("No conflicts. Review with `git diff`, then commit.")
