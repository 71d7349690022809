"""The CLI's single error boundary: every command body runs inside `error_boundary()`.

A `UserError` becomes one red line and its exit code; Ctrl-C exits 130; anything else is a
bug: one line and a hint to rerun with `-v`, which shows the traceback.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import typer

from dlscaffold import _console
from dlscaffold.errors import EXIT_INTERRUPTED, EXIT_USER_ERROR, DlscaffoldError


@contextmanager
def error_boundary() -> Iterator[None]:
    """Turn exceptions into the exit codes documented in `dlscaffold.errors`."""
    try:
        yield
    except DlscaffoldError as error:
        _console.error(str(error))
        raise typer.Exit(error.exit_code) from None
    except KeyboardInterrupt:
        _console.error("Interrupted; nothing was left half-done.")
        raise typer.Exit(EXIT_INTERRUPTED) from None
    except Exception as error:
        if _console.is_verbose():
            raise
        _console.error(f"Unexpected {type(error).__name__}: {error} (rerun with -v for details)")
        raise typer.Exit(EXIT_USER_ERROR) from None
