"""`dlscaffold update`: bring a project to a newer template version, or preview it."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from dlscaffold import _console
from dlscaffold._cli import _output
from dlscaffold._cli._boundary import error_boundary
from dlscaffold._cli._options import (
    AnswersFileOption,
    DataOption,
    DefaultsOption,
    JsonOption,
    LegacyPathArgument,
    ProjectOption,
    TrustOption,
    VcsRefOption,
    project_path,
)
from dlscaffold._cli._parsing import parse_pairs
from dlscaffold.errors import EXIT_OK, EXIT_UPDATED_WITH_CONFLICTS, UserError

if TYPE_CHECKING:
    from dlscaffold._update import UpdateResult

_STATUS_STYLES = {"conflict": "bold red", "kept": "yellow", "deleted": "red", "added": "green"}


def update(
    path: LegacyPathArgument = None,
    project: ProjectOption = None,
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
    as_json: JsonOption = False,
    abort: Annotated[
        bool,
        typer.Option("--abort", help="Undo an interrupted update: restore the project as it was."),
    ] = False,
    continue_: Annotated[
        bool, typer.Option("--continue", help="Finish an interrupted update.")
    ] = False,
) -> None:
    """Update a project to a newer template version with a three-way merge.

    Exit codes: 0 updated or nothing to do, 5 updated with conflicts, 1 refused, 4 untrusted
    (a preview exits with the code the update would give), 130 interrupted by Ctrl-C, 143 by
    SIGTERM.
    """
    from dlscaffold._update import update_project

    with error_boundary():
        path = project_path(project, path)
    if abort or continue_:
        others = bool(vcs_ref or data or diff or patch)
        _resume(
            path, abort=abort, continue_=continue_, others=others, answers_file=answers_file,
            as_json=as_json,
        )  # fmt: skip
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
    _report(result, path=path, patch=patch and not as_json)
    if as_json:
        _output.emit(_as_dict(result, patch=patch, preview=diff), exit_code=result.exit_code)
    raise typer.Exit(result.exit_code)


def _as_dict(result: UpdateResult, *, patch: bool, preview: bool) -> dict[str, object]:
    from dlscaffold._update.patch import changes_patch

    changes = []
    for change in result.changes:
        if not (change.writes or change.note):
            continue
        row = {"path": change.path, "status": change.status.value, "kind": change.kind.value,
               "note": change.note}  # fmt: skip
        if patch and change.writes:
            row["patch"] = changes_patch([change]).decode("utf-8", "replace")
        changes.append(row)
    return {
        "project": str(result.project),
        "old_version": result.old_version,
        "new_version": result.new_version,
        "preview": preview,
        "applied": result.applied,
        "nothing_to_do": result.nothing_to_do,
        "changes": changes,
        "conflicts": [change.path for change in result.conflicts],
        "leftover_markers": list(result.leftover_markers),
        "warnings": list(result.warnings),
    }


def _resume(
    path: Path, *, abort: bool, continue_: bool, others: bool, answers_file: str, as_json: bool
) -> None:
    """Run `--abort` or `--continue` and exit with the code the outcome calls for."""
    from dlscaffold._update.resume import abort_update, continue_update

    with error_boundary():
        if abort and continue_:
            raise UserError("--abort and --continue exclude each other; pass one.")
        if others:
            raise UserError(
                "--abort and --continue replay the interrupted update as it was planned; "
                "they take no --vcs-ref, --data, --diff or --patch."
            )
        if abort:
            done = abort_update(path, answers_file=answers_file)
        else:
            done = continue_update(path, answers_file=answers_file)
    code = EXIT_UPDATED_WITH_CONFLICTS if done.finished and done.leftover_markers else EXIT_OK
    if not done.finished:
        _console.success(f"Restored {path} to how it was before the update ({done.old_version}).")
    else:
        _console.success(f"Finished the update of {path} to template {done.new_version}.")
    if done.leftover_markers:
        _console.warning(
            f"{len(done.leftover_markers)} file(s) hold conflict markers: "
            f"{', '.join(done.leftover_markers)}. Resolve them, then commit."
        )
    if as_json:
        result = {
            "project": str(done.project),
            "action": "abort" if abort else "continue",
            "old_version": done.old_version,
            "new_version": done.new_version,
            "finished": done.finished,
            "leftover_markers": list(done.leftover_markers),
        }
        _output.emit(result, exit_code=code)
    raise typer.Exit(code)


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
    for warning in result.warnings:
        _console.warning(warning)
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
