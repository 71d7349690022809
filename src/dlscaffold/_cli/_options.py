"""Options several commands share, declared once so their names and help stay in step."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

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


def require_prompts_or_defaults(defaults: bool) -> None:
    """Refuse to prompt where nobody can answer: copier's prompts need a terminal."""
    if not defaults and not sys.stdin.isatty():
        raise UserError(
            "Input is not a terminal: pass --defaults (with --data KEY=VALUE) to answer "
            "the template's questions without prompts."
        )
