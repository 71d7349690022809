"""`--json`: one envelope for every command's machine-readable output, errors included.

Every `--json` run prints exactly one JSON object on stdout (messages still go to stderr):

    {"schema": "dlscaffold/1", "command": "data verify", "ok": true, "exit_code": 0,
     "result": {...}, "error": null}

`ok` is `exit_code == 0`. On an error `result` is null and `error` is
`{"message": "...", "kind": "InvalidAnswerError"}` (the class name from `dlscaffold.errors`,
or `Interrupted`, `Terminated`, `OSError`, `Bug`). The schema is documented in docs/cli.md
and versioned by `schema`: fields are only ever added within `dlscaffold/1`.
"""

from __future__ import annotations

from typing import Any

import typer

from dlscaffold import _console

SCHEMA = "dlscaffold/1"

_state: dict[str, str | None] = {"command": None}


def reset() -> None:
    """Forget a previous command's `--json` (several commands may run in one process)."""
    _state["command"] = None
    _console.configure(json=False)


def enable(ctx: typer.Context, value: bool) -> bool:
    """The `--json` option's callback: remember which command prints JSON."""
    if value:
        _state["command"] = " ".join(ctx.command_path.split()[1:])
        _console.configure(json=True)
    return value


def json_command() -> str | None:
    """Return the command that was given `--json`, or None."""
    return _state["command"]


def envelope(result: Any, *, exit_code: int, error: dict[str, str] | None = None) -> dict[str, Any]:
    """Wrap a command's `result` (or its `error`) in the documented envelope."""
    return {
        "schema": SCHEMA,
        "command": _state["command"],
        "ok": exit_code == 0,
        "exit_code": exit_code,
        "result": result,
        "error": error,
    }


def emit(result: Any, *, exit_code: int = 0) -> None:
    """Print a successful command's result in the envelope on stdout."""
    _console.print_json(envelope(result, exit_code=exit_code))


def emit_error(message: str, *, kind: str, exit_code: int) -> None:
    """Print an error in the envelope on stdout, when `--json` was given."""
    if _state["command"] is not None:
        error = {"message": message, "kind": kind}
        _console.print_json(envelope(None, exit_code=exit_code, error=error))
