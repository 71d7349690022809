"""The CLI's single error boundary: every command body runs inside `error_boundary()`.

A `UserError` becomes one red line and its exit code; Ctrl-C exits 130 and SIGTERM 143, with
one line; a full, read-only or forbidden file system is the user's to fix, so it is one line
too; anything else is a bug: one line and a hint to rerun with `-v`, which shows the
traceback. With `--json`, the error is also printed in the JSON envelope on stdout.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Iterator
from contextlib import contextmanager

import typer

from dlscaffold import _console
from dlscaffold._cli import _output
from dlscaffold.errors import (
    EXIT_INTERRUPTED,
    EXIT_TERMINATED,
    EXIT_USER_ERROR,
    DlscaffoldError,
    Terminated,
)

# Failures of the file system written to, not of dlscaffold.
ENVIRONMENT_ERRNOS = frozenset(
    {errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM, errno.EMFILE}
)


@contextmanager
def error_boundary() -> Iterator[None]:
    """Turn exceptions into the exit codes documented in `dlscaffold.errors`."""
    try:
        yield
    except DlscaffoldError as error:
        fail(str(error), kind=type(error).__name__, exit_code=error.exit_code)
    except KeyboardInterrupt as interrupt:
        interrupted(interrupt)
    except OSError as error:
        if error.errno not in ENVIRONMENT_ERRNOS or _console.is_verbose():
            _unexpected(error)
        fail(os_error_line(error), kind="OSError", exit_code=EXIT_USER_ERROR)
    except Exception as error:
        _unexpected(error)


def fail(message: str, *, kind: str, exit_code: int) -> None:
    """Print one error line (and the JSON error under `--json`), then exit."""
    _console.error(message)
    _output.emit_error(message, kind=kind, exit_code=exit_code)
    raise typer.Exit(exit_code) from None


def interrupted(interrupt: BaseException) -> None:
    """Say in one line that the command was stopped; exit 130 (Ctrl-C) or 143 (SIGTERM)."""
    if isinstance(interrupt, Terminated):
        fail("Terminated; nothing was left half-done.", kind="Terminated",
             exit_code=EXIT_TERMINATED)  # fmt: skip
    fail("Interrupted; nothing was left half-done.", kind="Interrupted",
         exit_code=EXIT_INTERRUPTED)  # fmt: skip


def os_error_line(error: OSError) -> str:
    """Word a file-system error: `Cannot write to 'PATH': No space left on device.`.

    Permission errors may come from reading as well, so they say "access" (EACCES) or
    "change" (EPERM: a mode or owner change not allowed) instead.
    """
    reason = error.strerror or os.strerror(error.errno or 0)
    if error.filename is None:
        return f"{reason}."
    verbs = {errno.EACCES: "access", errno.EPERM: "change", errno.EMFILE: "open"}
    verb = verbs.get(error.errno or 0, "write to")
    return f"Cannot {verb} '{os.fsdecode(error.filename)}': {reason}."


def _unexpected(error: Exception) -> None:
    if _console.is_verbose():
        raise error
    message = f"Unexpected {type(error).__name__}: {error} (rerun with -v for details)"
    fail(message, kind="Bug", exit_code=EXIT_USER_ERROR)
