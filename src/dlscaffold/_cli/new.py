"""`dlscaffold new`: generate a project."""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from dlscaffold import _console
from dlscaffold._cli import _output
from dlscaffold._cli._boundary import error_boundary
from dlscaffold._cli._options import (
    DataOption,
    DefaultsOption,
    JsonOption,
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
    as_json: JsonOption = False,
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
    if as_json:
        _output.emit(_as_dict(project))


def _as_dict(project: NewProject) -> dict[str, object]:
    return {
        "path": str(project.path),
        "template": project.template_src,
        "template_version": project.answers.get("_commit") or project.template_version,
        "commit": project.commit,
        "answers": {k: v for k, v in project.answers.items() if not k.startswith("_")},
        "datasets": [
            {"name": d.name, "link": str(d.link_relpath), "target": d.target,
             "source": str(d.source), "protected": d.protected}
            for d in project.datasets
        ],
        "warnings": list(project.warnings),
    }  # fmt: skip


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
        trained_on = project.answers.get("dataset_name")
        linked = {d.name for d in project.datasets}
        unlinked = trained_on if trained_on and trained_on not in linked else None
        _console.info(f"Next: {_console.escape(_next_steps(dest, package, unlinked))}")


def _next_steps(dest: Path, package: str, unlinked: str | None = None) -> str:
    """The commands that take a user from the new folder to a first training run.

    `unlinked` names the dataset the config trains on when nothing was linked under that name.
    """
    enter = "" if dest.resolve() == Path.cwd() else f"cd {shell_path(dest)} && "
    link = ""
    if unlinked:
        name = shlex.quote(unlinked)
        link = f"dlscaffold data link {name} /path/to/{name} && "
    return f"{enter}{link}pip install -e '.[dev]' && python -m {package} train"


def _template_message(text: str) -> None:
    """Show a template's own `_message_before_copy` / `_message_after_copy`, as copier does."""
    _console.info(_console.escape(text))


def shell_path(path: Path) -> str:
    """Quote `path` for a POSIX shell.

    `-dash` becomes `./-dash`, which no command takes for an option.
    """
    text = str(path)
    if text.startswith("-"):
        text = f"./{text}"
    return shlex.quote(text)
