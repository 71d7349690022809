"""Options several commands share, declared once so their names and help stay in step."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from dlscaffold._cli import _output
from dlscaffold.errors import UserError

VcsRefOption = Annotated[
    str | None,
    typer.Option("--vcs-ref", help="Template version (git tag or commit); the newest by default."),
]
DataOption = Annotated[
    list[str] | None,
    typer.Option("--data", "-d", metavar="KEY=VALUE", help="Answer a template question."),
]
DefaultsOption = Annotated[
    bool, typer.Option("--defaults", help="Use the default answer for every other question.")
]
TrustOption = Annotated[
    bool, typer.Option("--trust", help="Allow a non-default template to run its own code.")
]
AnswersFileOption = Annotated[
    str, typer.Option("--answers-file", help="The answers file, relative to the project.")
]
JsonOption = Annotated[
    bool,
    typer.Option(
        "--json",
        help="Print the result as JSON on stdout (schema dlscaffold/1, see docs/json.md).",
        callback=_output.enable,
    ),
]
ProjectOption = Annotated[
    Path | None,
    typer.Option(
        "--project",
        "-p",
        metavar="PATH",
        help="The project, or any folder in it (default: the one enclosing the current folder).",
    ),
]
LegacyPathArgument = Annotated[
    Path | None,
    typer.Argument(
        hidden=True, metavar="PATH", help="Same as --project (kept for old scripts).",
        show_default=False,
    ),
]  # fmt: skip


def project_path(project: Path | None, legacy: Path | None = None) -> Path:
    """Return the folder a command works on.

    That is `-p/--project`, else an old positional PATH, else the current folder; each
    command then finds the project enclosing it.
    """
    if project is not None and legacy is not None and project != legacy:
        raise UserError(f"Name the project once: --project '{project}' or '{legacy}'.")
    return project or legacy or Path()


def complete_dataset(ctx: typer.Context, incomplete: str) -> list[str]:
    """Complete a dataset NAME in the shell from the project's registry (none on any error)."""
    from dlscaffold._data.project import find_project
    from dlscaffold._data.registry import load_registry

    try:
        datasets = load_registry(find_project(ctx.params.get("project")))["datasets"]
    except Exception:  # a shell completion must never print an error
        return []
    return sorted(name for name in datasets if name.startswith(incomplete))
