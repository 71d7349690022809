"""`dlscaffold new`: generate a project."""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from dlscaffold import _console
from dlscaffold._cli._boundary import error_boundary
from dlscaffold._cli._options import (
    DataOption,
    DefaultsOption,
    TrustOption,
    VcsRefOption,
)
from dlscaffold._cli._parsing import parse_pairs

if TYPE_CHECKING:
    from dlscaffold._new import NewProject


def new(
    dest: Annotated[Path, typer.Argument(help="Folder to create (must not exist or be empty).")],
    template: Annotated[
        str | None,
        typer.Option("--template", "-t", help="Another copier template: local path or git URL."),
    ] = None,
    vcs_ref: VcsRefOption = None,
    data: DataOption = None,
    defaults: DefaultsOption = False,
    trust: TrustOption = False,
    link: Annotated[
        list[str] | None,
        typer.Option("--link", metavar="NAME=SOURCE", help="Link a raw dataset as data/NAME."),
    ] = None,
    example_data: Annotated[
        bool,
        typer.Option(
            "--example-data/--no-example-data",
            help="Link the handwritten-digits example dataset (default template only).",
        ),
    ] = True,
) -> None:
    """Generate a new deep-learning project at DEST."""
    from dlscaffold._new import create_project

    with error_boundary():
        project = create_project(
            dest,
            template=template,
            vcs_ref=vcs_ref,
            data=parse_pairs(data, option="--data"),
            defaults=defaults,
            trust=trust,
            links=parse_pairs(link, option="--link", metavar="NAME=SOURCE"),
            example_data=example_data,
            on_message=_template_message,
        )
    _report(project, dest)


def _report(project: NewProject, dest: Path) -> None:
    from dlscaffold._templates import is_default_template

    for message in project.warnings:
        _console.warning(message)
    if _console.is_quiet():
        return
    tag = project.answers.get("_commit") or project.template_version
    version = f" (template {tag})" if tag else ""
    _console.success(_console.escape(f"Created {dest}{version} with a first git commit."))
    for dataset in project.datasets:
        _console.info(_console.escape(f"  linked data/{dataset.name} -> {dataset.target}"))
    if project.message_after:
        _template_message(project.message_after)
    package = project.answers.get("package_name")
    if package and is_default_template(project.template_src):
        _console.info(f"Next: {_console.escape(_next_steps(dest, package))}")


def _template_message(text: str) -> None:
    """Show a template's own `_message_before_copy` / `_message_after_copy`, as copier does."""
    _console.info(_console.escape(text))


def _next_steps(dest: Path, package: str) -> str:
    """The commands that take a user from the new folder to a first training run."""
    enter = "" if dest.resolve() == Path.cwd() else f"cd {shlex.quote(str(dest))} && "
    return f"{enter}pip install -e '.[dev]' && python -m {package} train"
