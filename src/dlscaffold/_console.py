"""The only module that prints: one stderr console with semantic styles and a quiet switch.

Messages go to stderr so that stdout stays free for data (JSON, lists) that scripts read.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console

_state = {"quiet": False, "verbose": False, "no_color": False, "json": False}


def configure(**switches: bool) -> None:
    """Set the process-wide switches chosen on the command line: quiet, verbose, no_color, json.

    Switches not named keep their value. With `json`, stdout carries only the JSON document
    (`print_json`); tables and lines meant for people go to stderr instead. NO_COLOR in the
    environment also turns colour off (rich reads it itself).
    """
    unknown = set(switches) - set(_state)
    if unknown:
        raise TypeError(f"unknown console switches: {sorted(unknown)}")
    _state.update(switches)
    if "no_color" in switches:
        for console in (err_console, out_console):
            if console.cache_info().currsize:  # already made: recolour it in place
                console().no_color = switches["no_color"] or "NO_COLOR" in os.environ


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
    return Console(stderr=True, theme=theme, highlight=False, soft_wrap=True, no_color=_no_color())


@cache
def out_console() -> Console:
    """Return the stdout console, for data and tables a user asked for."""
    from rich.console import Console

    console = Console(highlight=False, no_color=_no_color())
    if not console.is_terminal and "COLUMNS" not in os.environ:
        # Piped or in a CI log: rich would assume 80 columns and fold every table cell.
        console.width = 160
    return console


def _no_color() -> bool | None:
    """Return True for `--no-color`; None lets rich decide (it honours NO_COLOR)."""
    return True if _state["no_color"] else None


def info(message: str) -> None:
    """Print a progress message unless quiet."""
    if not _state["quiet"] and not _wrote_plain(message):
        err_console().print(message)


def success(message: str) -> None:
    """Print a success message unless quiet."""
    if not _state["quiet"] and not _wrote_plain(message):
        err_console().print(f"[success]{message}[/]")


# Environment variables with which rich might treat a pipe as a terminal (colours, width).
_RICH_TERMINAL_VARIABLES = ("FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE", "JUPYTER_COLUMNS")


def _wrote_plain(message: str) -> bool:
    """Write `message` to a stderr that is no terminal without importing rich; True if done.

    Importing rich costs a short command such as a passing `dlscaffold check` a tenth of its
    time. To a pipe or a file, the stderr console prints a line without markup, emoji codes
    or control characters exactly as it is (no colour, no wrapping: `soft_wrap`), so such a
    line is written directly. Anything else, and any console already made, goes to rich.
    """
    if err_console.cache_info().currsize or not message.isprintable():
        return False
    if any(mark in message for mark in "[:\\") or any(
        map(os.environ.get, _RICH_TERMINAL_VARIABLES)
    ):
        return False
    stream = sys.stderr
    try:
        if stream is None or stream.isatty():
            return False
        stream.write(message + "\n")
        stream.flush()
    except (AttributeError, ValueError, OSError):
        return False
    return True


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


def _data_console() -> Console:
    """Return the console for data: stdout, or stderr while stdout carries JSON."""
    return err_console() if _state["json"] else out_console()


def print_data(renderable: Any) -> None:
    """Print something the user asked to see (a table, a summary) on stdout."""
    _data_console().print(renderable)


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
    _data_console().print(table)


def print_text(text: str) -> None:
    """Print `text` as it is on stdout (no markup, no wrapping): lines that scripts read."""
    _data_console().print(text, markup=False, highlight=False, soft_wrap=True)


def print_json(data: Any) -> None:
    """Print `data` as indented JSON on stdout, for scripts."""
    import json

    out_console().print(json.dumps(data, indent=2), markup=False, highlight=False, soft_wrap=True)


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
