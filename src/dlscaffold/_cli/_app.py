"""The root `dlscaffold` app: its sub-commands, `--version`, and each command's examples."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Annotated, Any

import typer

from dlscaffold import __version__, _console
from dlscaffold._cli import _light_params, _output, check, data, new, update
from dlscaffold._cli._command import Command, Group
from dlscaffold._cli._help import EPILOGS
from dlscaffold.errors import DlscaffoldWarning

_light_params.install()  # keeps pydantic out of the start-up (see the module)

COMMANDS = ("new", "update", "check", "data")
# The root's own options, all flags: what may stand before the command's name.
ROOT_FLAGS = frozenset({"-q", "--quiet", "-v", "--verbose", "--no-color"})


def make_app(only: str | None = None) -> typer.Typer:
    """The root app with every command, or with the command `only` alone.

    typer turns every registered command into a click command on each run (signatures and
    type hints read, parameters built): a run that names its command builds that one only.
    """
    root_app = typer.Typer(
        name="dlscaffold",
        cls=Group,
        help="Deep-learning projects with good engineering habits from the first minute.",
        epilog=EPILOGS["dlscaffold"],
        no_args_is_help=True,
        pretty_exceptions_show_locals=False,
        rich_markup_mode="rich",
        context_settings={"help_option_names": ["-h", "--help"]},
    )
    root_app.callback()(root)
    commands: dict[str, Callable[..., Any]] = {
        "new": new.new,
        "update": update.update,
        "check": check.check,
    }
    for name, function in commands.items():
        if only in (None, name):
            root_app.command(name, cls=Command, epilog=EPILOGS[name])(function)
    if only in (None, "data"):
        root_app.add_typer(data.app, name="data", cls=Group, epilog=EPILOGS["data"])
        for info in data.app.registered_commands:  # declared in data.py; conventions here
            if info.cls in (None, typer.core.TyperCommand):
                info.cls = Command
            info.epilog = info.epilog or EPILOGS.get(f"data {info.name}")
    return root_app


def app_for(args: list[str]) -> typer.Typer:
    """The app that runs `dlscaffold ARGS`: the named command alone where one is named.

    Root flags may come first; anything else (help, --version, no or an unknown command)
    gets the whole app, so that help lists every command and typos get suggestions.
    """
    rest = list(args)
    while rest and rest[0] in ROOT_FLAGS:
        rest.pop(0)
    return make_app(rest[0]) if rest and rest[0] in COMMANDS else app


def _print_version(value: bool) -> None:
    if value:
        print(f"dlscaffold {__version__}")
        raise typer.Exit()


def root(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_print_version, is_eager=True, help="Show the version."),
    ] = False,
) -> None:
    """Deep-learning projects with good engineering habits from the first minute."""
    _output.reset()
    warnings.showwarning = _show_warning


_python_showwarning = warnings.showwarning


def _show_warning(message: Any, category: type[Warning], *args: Any, **kwargs: Any) -> None:
    """Print dlscaffold's own warnings as one line each; others as Python would."""
    if issubclass(category, DlscaffoldWarning):
        _console.warning(str(message))
    else:
        _python_showwarning(message, category, *args, **kwargs)


app = make_app()
