"""Options several commands share, declared once so their names and help stay in step."""

from __future__ import annotations

from typing import Annotated

import typer

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
