"""`dlscaffold check`: the CI gate that a project is current, clean and portable."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from dlscaffold import _console
from dlscaffold._cli import _output
from dlscaffold._cli._boundary import error_boundary
from dlscaffold._cli._options import (
    AnswersFileOption,
    JsonOption,
    LegacyPathArgument,
    ProjectOption,
    project_path,
)

if TYPE_CHECKING:
    from dlscaffold._check import CheckReport


def check(
    path: LegacyPathArgument = None,
    project: ProjectOption = None,
    as_json: JsonOption = False,
    strict: Annotated[
        bool,
        typer.Option("--strict", help="Also fail on drift (edited or missing template files)."),
    ] = False,
    fail_on: Annotated[
        list[str] | None,
        typer.Option(
            "--fail-on",
            metavar="IDS",
            autocompletion=complete_fail_on,
            help="Findings that fail the run, instead of the default gate: default, strict, "
            "all, none, groups or ids, comma-separated.",
        ),
    ] = None,
    ignore: Annotated[
        list[str] | None,
        typer.Option(
            "--ignore",
            metavar="ID[:GLOB]",
            help="Leave findings out (an id or group, optionally :a path glob); a bare glob "
            "leaves paths out of the drift check. Lasting ones go in pyproject.toml.",
        ),
    ] = None,
    drift: Annotated[
        bool, typer.Option("--drift/--no-drift", help="Compare files with the template.")
    ] = True,
    trust: Annotated[
        bool, typer.Option("--trust", help="Allow a template with Jinja extensions to render.")
    ] = False,
    answers_file: AnswersFileOption = ".copier-answers.yml",
) -> None:
    r"""Check that a project is current with its template, unbroken and portable.

    Fail by default (what CI should stop): version (behind-template,
    template-unreachable), markers (conflict-markers), answers
    (answers-missing, answers-invalid, answers-relative-src), configs
    (config-invalid, config-absolute-path), data habits (tracked-artifact,
    data-absolute-link, data-copied-in, data-registry-invalid), settings
    (settings-invalid).

    Shown, failing only when asked: drift (drift-modified,
    drift-missing, drift-unchecked; fail with --strict), this machine's data
    (data-missing-link, data-missing-target, data-unregistered-link, data-changed,
    data-unprotected, data-unreadable), settings (settings-unknown).
    reminders (data-never-inspected, data-never-verified) are reported only
    with --fail-on reminders or all.

    Lasting ignores live in the project's pyproject.toml: \[tool.dlscaffold.check]
    ignore = ["drift-modified:src/pkg/build.py"] (ID[:GLOB] entries).

    Exit codes: 0 passed, 3 only an update is available, 7 other findings, 1 cannot check.
    """
    from dlscaffold._check import check_project

    with error_boundary():
        report = check_project(
            project_path(project, path),
            fail_on=fail_on,
            strict=strict,
            ignore=ignore or (),
            drift=drift,
            trust=trust,
            answers_file=answers_file,
        )
    if as_json:
        _output.emit(report.as_dict(), exit_code=report.exit_code)
    else:
        _report(report)
    raise typer.Exit(report.exit_code)


def complete_fail_on(incomplete: str) -> list[str]:
    """Complete `--fail-on` in the shell: keywords, groups and finding ids.

    Only the last item of a comma-separated value is completed.
    """
    from dlscaffold._check.findings import GROUPS

    done, _, last = incomplete.rpartition(",")
    prefix = f"{done}," if done else ""
    values = ["default", "all", "none", *GROUPS, *(i for ids in GROUPS.values() for i in ids)]
    return [prefix + value for value in values if value.startswith(last)]


def _report(report: CheckReport) -> None:
    if report.findings:
        rows = [
            ["FAIL" if report.fails(f) else "warn", f.id, f.message, f.hint]
            for f in report.findings
        ]
        _console.print_table(["", "finding", "message", "fix"], rows, styles={"FAIL": "bold red"})
    version = report.template_version or "unknown"
    ignored = f"; {len(report.ignored)} ignored" if report.ignored else ""
    if report.failing:
        _console.error(
            f"{len(report.failing)} finding(s) fail the check (template {version}{ignored})."
        )
    else:
        _console.success(f"All checks passed (template {version}{ignored}).")
