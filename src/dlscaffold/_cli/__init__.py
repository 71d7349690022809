"""The `dlscaffold` command line: the root app, global options and sub-commands."""

from __future__ import annotations

from typing import Annotated

import typer

from dlscaffold import __version__, _console
from dlscaffold._cli import _light_params, check, data, new, update

_light_params.install()  # keeps pydantic out of the start-up (see the module)

app = typer.Typer(
    name="dlscaffold",
    help="Deep-learning projects with good engineering habits from the first minute.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
    rich_markup_mode="rich",
    context_settings={"help_option_names": ["-h", "--help"]},
)
app.command("new")(new.new)
app.command("update")(update.update)
app.command("check")(check.check)
app.add_typer(data.app, name="data")


def _print_version(value: bool) -> None:
    if value:
        print(f"dlscaffold {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="Show tracebacks of unexpected errors.")
    ] = False,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="Print only warnings and errors.")
    ] = False,
    version: Annotated[
        bool,
        typer.Option("--version", callback=_print_version, is_eager=True, help="Show the version."),
    ] = False,
) -> None:
    """Deep-learning projects with good engineering habits from the first minute."""
    _console.configure(quiet=quiet, verbose=verbose)


def main() -> None:
    """Run the CLI (the `dlscaffold` console script)."""
    app(prog_name="dlscaffold")
