"""The command classes every dlscaffold command and group uses: one place for CLI conventions.

- The global options (`-q`, `-v`, `--no-color`) work before or after the sub-command: they
  are added to every command and group, so `dlscaffold -q check` and `dlscaffold check -q`
  mean the same.
- Flags show no `<bool>` type in `--help`; there is no value to type.
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Annotated, Any

import typer
from typer.core import TyperCommand, TyperGroup

from dlscaffold import _console
from dlscaffold._cli._boundary import interrupted

if TYPE_CHECKING:
    from collections.abc import Callable

GLOBAL_PANEL = "Global options"


def _setter(name: str) -> Callable[[typer.Context, bool], None]:
    """Return the callback of a global flag: the root sets it, a sub-command may turn it on.

    The root's callbacks always run (with False when the flag is absent), so a process that
    runs several commands (tests) starts each with a clean state.
    """

    def callback(ctx: typer.Context, value: bool) -> None:
        if ctx.parent is None or value:
            _console.configure(**{name: value})

    return callback


def _global_options(
    verbose: Annotated[
        bool,
        typer.Option(
            "--verbose",
            "-v",
            help="Show tracebacks of unexpected errors.",
            callback=_setter("verbose"),
            rich_help_panel=GLOBAL_PANEL,
        ),
    ] = False,
    quiet: Annotated[
        bool,
        typer.Option(
            "--quiet",
            "-q",
            help="Print only warnings and errors.",
            callback=_setter("quiet"),
            rich_help_panel=GLOBAL_PANEL,
        ),
    ] = False,
    no_color: Annotated[
        bool,
        typer.Option(
            "--no-color",
            help="Print no colours (as does the NO_COLOR environment variable).",
            callback=_setter("no_color"),
            rich_help_panel=GLOBAL_PANEL,
        ),
    ] = False,
) -> None:
    """Declares the global options once, in typer's own terms (never called)."""  # fmt: skip


def _global_params() -> list[Any]:
    holder = typer.Typer()
    holder.command()(_global_options)
    names = {"verbose", "quiet", "no_color"}  # not the completion options typer adds
    params = [p for p in typer.main.get_command(holder).params if p.name in names]
    for param in params:
        param.expose_value = False  # the callbacks act; command functions never see them
    return params


_GLOBAL_PARAMS = _global_params()


def _with_globals(params: list[Any] | None) -> list[Any]:
    own = list(params or [])
    names = {name for param in own for name in param.opts}
    extra = [copy.copy(p) for p in _GLOBAL_PARAMS if not names & set(p.opts)]
    return own + extra


def _hide_flag_types(params: list[Any]) -> list[Any]:
    for param in params:
        if getattr(param, "is_flag", False):
            param.metavar = ""
    return params


class Command(TyperCommand):
    """A dlscaffold command: global options added, flags without a type in help."""

    def __init__(self, name: str | None, **kwargs: Any) -> None:
        kwargs["params"] = _with_globals(kwargs.get("params"))
        super().__init__(name, **kwargs)

    def get_params(self, ctx: Any) -> list[Any]:
        return _hide_flag_types(super().get_params(ctx))


class Group(TyperGroup):
    """A dlscaffold command group: global options added, flags without a type in help.

    The root group also turns a Ctrl-C or SIGTERM outside any command's error boundary
    (while parsing, printing a report) into its one line: typer would exit 130 silently.
    """

    command_class = Command

    def __init__(self, **kwargs: Any) -> None:
        kwargs["params"] = _with_globals(kwargs.get("params"))
        super().__init__(**kwargs)

    def make_context(
        self, info_name: str | None, args: list[str], parent: Any = None, **extra: Any
    ) -> Any:
        if parent is not None:
            return super().make_context(info_name, args, parent, **extra)
        try:  # parsing imports what typer needs lazily (pydantic): slow enough for a Ctrl-C
            return super().make_context(info_name, args, parent, **extra)
        except KeyboardInterrupt as interrupt:
            interrupted(interrupt)

    def invoke(self, ctx: Any) -> Any:
        if ctx.parent is not None:
            return super().invoke(ctx)
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt as interrupt:
            interrupted(interrupt)

    def get_params(self, ctx: Any) -> list[Any]:
        return _hide_flag_types(super().get_params(ctx))
