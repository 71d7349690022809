"""dlscaffold: deep-learning projects with good engineering habits from the first minute.

The public Python API is `create_project`, `update_project`, `check_project` and the
exceptions in `dlscaffold.errors`.
Heavy modules (copier, rich) load only when an API function is called, so that importing
the package and `dlscaffold --version` stay fast.
"""

from __future__ import annotations

import sys


def _interrupted_at_start_up(kind: type[BaseException], *args: object) -> None:
    """Word a Ctrl-C that lands before the CLI's entry point runs as one line."""
    if issubclass(kind, KeyboardInterrupt):
        sys.stderr.write("Error: Interrupted; nothing was left half-done.\n")
    else:
        sys.__excepthook__(kind, *args)  # type: ignore[arg-type]


# First thing in the `dlscaffold` command (console script, or `python -m` while it finds the
# package), never in a program that imports dlscaffold: no traceback for a Ctrl-C while the
# CLI starts; `dlscaffold._cli.main` takes over from here.
if sys.argv[:1] == ["-m"] or sys.argv[0].replace("\\", "/").rsplit("/", 1)[-1] in (
    "dlscaffold",
    "dlscaffold.exe",
):
    sys.excepthook = _interrupted_at_start_up

from dlscaffold._lazy import lazy_attributes  # noqa: E402

__version__ = "0.3.1"
# Not `from typing import TYPE_CHECKING`: importing typing would be most of the start-up time
# of `dlscaffold`, during which a Ctrl-C could not yet be handled (type checkers know the name).
TYPE_CHECKING = False
__all__ = ["__version__", "check_project", "create_project", "update_project"]

if TYPE_CHECKING:
    from dlscaffold._check.api import check_project
    from dlscaffold._new import create_project
    from dlscaffold._update.api import update_project

_LAZY = {
    "create_project": "dlscaffold._new",
    "update_project": "dlscaffold._update.api",
    "check_project": "dlscaffold._check.api",
}


__getattr__ = lazy_attributes(__name__, _LAZY)
