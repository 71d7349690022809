"""The root `dlscaffold` app: its sub-commands, `--version`, and each command's examples."""

from __future__ import annotations

import warnings
from typing import Annotated, Any

import typer

from dlscaffold import __version__, _console
from dlscaffold._cli import _light_params, _output, check, data, new, update
from dlscaffold._cli._command import Command, Group
from dlscaffold._cli._help import EPILOGS
from dlscaffold.errors import DlscaffoldWarning

_light_params.install()  # keeps pydantic out of the start-up (see the module)

app = typer.Typer(
    name="dlscaffold",
    cls=Group,
    help="Deep-learning projects with good engineering habits from the first minute.",
    epilog=EPILOGS["dlscaffold"],
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
    rich_markup_mode="rich",
    context_settings={"help_option_names": ["-h", "--help"]},
)
app.command("new", cls=Command, epilog=EPILOGS["new"])(new.new)
app.command("update", cls=Command, epilog=EPILOGS["update"])(update.update)
app.command("check", cls=Command, epilog=EPILOGS["check"])(check.check)
app.add_typer(data.app, name="data", cls=Group, epilog=EPILOGS["data"])
for _info in data.app.registered_commands:  # declared in data.py; conventions added here
    if _info.cls in (None, typer.core.TyperCommand):
        _info.cls = Command
    _info.epilog = _info.epilog or EPILOGS.get(f"data {_info.name}")


def _print_version(value: bool) -> None:
    if value:
        print(f"dlscaffold {__version__}")
        raise typer.Exit()


@app.callback()
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
