"""The `dlscaffold` command line: the entry point, which makes every interrupt one line.

This module imports nothing heavy: `main()` installs the signal handling first and only then
imports the CLI (typer, the commands), so a Ctrl-C or SIGTERM at any moment, start-up
included, prints one line and exits 130 or 143, never a traceback. The root app lives in
`dlscaffold._cli._app` (`app` here is loaded on first use).
"""

from __future__ import annotations

import signal
import sys

from dlscaffold._interrupts import interrupt_for, mark_work_complete, work_complete
from dlscaffold.errors import EXIT_INTERRUPTED, EXIT_TERMINATED, Terminated

TYPE_CHECKING = False  # not typing's: see dlscaffold/__init__.py
if TYPE_CHECKING:
    from typing import Any, NoReturn

__all__ = ["app", "main"]


def main() -> None:
    """Run the CLI (the `dlscaffold` console script and `python -m dlscaffold`)."""
    mark_work_complete(False)
    install_signal_handlers()
    try:
        from dlscaffold._cli._app import app_for

        app_for(sys.argv[1:])(prog_name="dlscaffold")
    except KeyboardInterrupt as interrupt:  # before the CLI could handle it: start-up
        _exit_interrupted(interrupt)
    finally:
        # The command has ended. Python's exit puts the default handlers back, and a SIGTERM
        # would then end it with no word (and a handler of ours would raise in its clean-up).
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)


def install_signal_handlers() -> None:
    """Turn SIGTERM into `Terminated`, which every Ctrl-C clean-up also undoes.

    Both are ignored once the command's change is made (`_interrupts.mark_work_complete`).
    """
    if signal.getsignal(signal.SIGTERM) == signal.SIG_DFL:
        signal.signal(signal.SIGTERM, _interrupt_unless_done)
    if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
        signal.signal(signal.SIGINT, _interrupt_unless_done)


def _interrupt_unless_done(signum: int, frame: Any) -> None:
    if work_complete():
        return  # the change is made; only the report and the exit are left
    raise interrupt_for(signum)


def _exit_interrupted(interrupt: BaseException) -> NoReturn:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not cut the line short
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    terminated = isinstance(interrupt, Terminated)
    word = "Terminated" if terminated else "Interrupted"
    code = EXIT_TERMINATED if terminated else EXIT_INTERRUPTED
    sys.stderr.write(f"Error: {word}; nothing was left half-done.\n")
    output = sys.modules.get("dlscaffold._cli._output")
    if output is not None:  # a command had started: `--json` wants the error as JSON too
        output.emit_error(f"{word}; nothing was left half-done.", kind=word, exit_code=code)
    sys.exit(code)


def __getattr__(name: str) -> Any:
    if name == "app":
        from dlscaffold._cli._app import app

        return app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), "app"])
