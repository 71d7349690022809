"""The only module that prints: one stderr console with semantic styles and a quiet switch.

Messages go to stderr so that stdout stays free for data (JSON, lists) that scripts read.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console

_state = {"quiet": False, "verbose": False}


def configure(*, quiet: bool = False, verbose: bool = False) -> None:
    """Set the process-wide verbosity chosen on the command line."""
    _state.update(quiet=quiet, verbose=verbose)


def is_quiet() -> bool:
    """Tell whether `-q` was given (only warnings and errors are printed)."""
    return _state["quiet"]


def is_verbose() -> bool:
    """Tell whether `-v` was given (tracebacks for unexpected errors)."""
    return _state["verbose"]


@cache
def err_console() -> Console:
    """Return the stderr console (rich is imported on first use only)."""
    from rich.console import Console
    from rich.theme import Theme

    theme = Theme({"success": "green", "warning": "yellow", "error": "bold red", "path": "cyan"})
    return Console(stderr=True, theme=theme, highlight=False, soft_wrap=True)


@cache
def out_console() -> Console:
    """Return the stdout console, for data and tables a user asked for."""
    from rich.console import Console

    console = Console(highlight=False)
    if not console.is_terminal and "COLUMNS" not in os.environ:
        # Piped or in a CI log: rich would assume 80 columns and fold every table cell.
        console.width = 160
    return console


def info(message: str) -> None:
    """Print a progress message unless quiet."""
    if not _state["quiet"]:
        err_console().print(message)


def success(message: str) -> None:
    """Print a success message unless quiet."""
    if not _state["quiet"]:
        err_console().print(f"[success]{message}[/]")


def warning(message: str) -> None:
    """Print a warning, even when quiet: warnings are never hidden."""
    err_console().print(f"[warning]Warning:[/] {escape(message)}")


def escape(text: str) -> str:
    """Escape rich markup in text that comes from users or other programs."""
    from rich.markup import escape as rich_escape

    return rich_escape(text)


def error(message: str) -> None:
    """Print one error line."""
    err_console().print(f"[error]Error:[/] {escape(message)}")


def print_data(renderable: Any) -> None:
    """Print something the user asked to see (a table, a summary) on stdout."""
    out_console().print(renderable)


def print_table(
    columns: Sequence[str],
    rows: Iterable[Sequence[str]],
    *,
    title: str | None = None,
    styles: dict[str, str] | None = None,
) -> None:
    """Print plain-text `rows` as a table on stdout; `styles` maps a cell's text to a style.

    Cells are escaped, never markup, so file names with brackets print as they are.
    """
    from rich.table import Table

    table = Table(title=title, title_justify="left", header_style="bold")
    for column in columns:
        table.add_column(column, overflow="fold")
    styles = styles or {}
    for row in rows:
        table.add_row(*(f"[{styles[c]}]{escape(c)}[/]" if c in styles else escape(c) for c in row))
    out_console().print(table)


def print_text(text: str) -> None:
    """Print `text` as it is on stdout (no markup, no wrapping): lines that scripts read."""
    out_console().print(text, markup=False, highlight=False, soft_wrap=True)


def print_json(data: Any) -> None:
    """Print `data` as indented JSON on stdout, for scripts."""
    import json

    print_text(json.dumps(data, indent=2))


@contextmanager
def progress_bars() -> Iterator[Callable[[str, int], Callable[[int], None]]]:
    """Yield `start(description, total_bytes) -> advance(nbytes)` for byte progress bars.

    The bars go to stderr and vanish when done; they are hidden when quiet or when stderr
    is not a terminal, so logs and captured output stay clean.
    """
    from rich.progress import (
        BarColumn,
        DownloadColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
        TransferSpeedColumn,
    )

    console = err_console()
    if _state["quiet"] or not console.is_terminal:
        # No Progress at all: a disabled one still prints a blank line on exit (rich < 15).
        yield lambda _description, _total: lambda _done: None
        return
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=console, transient=True) as bars:

        def start(description: str, total: int) -> Callable[[int], None]:
            task = bars.add_task(escape(description), total=total)
            return lambda done: bars.advance(task, done)

        yield start
