"""Terminal output: messages go to stderr through one rich Console; data goes to stdout."""

import os

from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
)

console = Console(stderr=True, highlight=False, soft_wrap=True)
# Under torchrun every process runs the same code: status lines come from rank 0 only.
_IS_MAIN_PROCESS = int(os.environ.get("RANK", "0")) == 0


def info(message: str) -> None:
    """Print a plain status line (main process only)."""
    if _IS_MAIN_PROCESS:
        console.print(escape(message))


def warn(message: str) -> None:
    """Print a warning the user should act on."""
    console.print(f"[bold yellow]warning:[/] {escape(message)}")


def error(message: str) -> None:
    """Print a one-line error."""
    console.print(f"[bold red]error:[/] {escape(message)}")


def make_progress(*, enabled: bool) -> Progress:
    """A progress bar showing batches and throughput.

    Silent when disabled or when stderr is not a terminal (logs, CI), where a bar would only
    leave blank lines between the epoch summaries.
    """
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rate]}"),
        TimeElapsedColumn(),
        console=console,
        disable=not enabled or not console.is_terminal,
        transient=True,
    )
