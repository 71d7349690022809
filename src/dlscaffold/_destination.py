"""Say "Cannot write to 'DEST': <reason>" when the folder a project goes into cannot take it.

`dlscaffold new` writes into a hidden staging folder beside DEST (see `dlscaffold._new`), and
the failure of a full, read-only or unwritable parent surfaces deep inside git or copier: as
an `OSError` naming the staging folder, as an `OSError` naming nothing (a failed `write()`),
or as a `GitError` whose message says nothing useful ("could not set 'core.filemode'"). The
user named DEST, not the staging folder, so the error is translated here into DEST's words.
An error about anything else (the template, a dataset source) is left as it is.
"""

from __future__ import annotations

import errno
import functools
import os
from collections.abc import Callable
from pathlib import Path
from typing import Concatenate, ParamSpec, TypeVar

from dlscaffold.errors import DestinationError, GitError

P = ParamSpec("P")
R = TypeVar("R")

# Errors of the place written to, not of the program: each is the user's to fix.
WRITE_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM})
# Below this much free space a failed write is put down to a full disk (a generated project
# with its first commit takes a few hundred KiB).
NEARLY_FULL_BYTES = 1 << 20


def reports_destination_errors(
    create: Callable[Concatenate[str | Path, P], R],
) -> Callable[Concatenate[str | Path, P], R]:
    """Decorate a function whose first argument is the destination folder it creates."""

    @functools.wraps(create)
    def wrapper(dest: str | Path, /, *args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return create(dest, *args, **kwargs)
        except (OSError, GitError) as error:
            translated = destination_error(Path(dest), error)
            if translated is None:
                raise
            raise translated from error

    return wrapper


def destination_error(dest: Path, error: OSError | GitError) -> DestinationError | None:
    """Return the DEST-worded error for `error`, or None when `error` is not about DEST."""
    parent = dest.expanduser().absolute().parent
    filename = getattr(error, "filename", None)
    if isinstance(error, OSError) and filename is not None:
        path = Path(os.fsdecode(filename))
        if error.errno in WRITE_ERRNOS and _is_dest_or_staging(path, dest.expanduser().absolute()):
            return _cannot_write(dest, error.errno)
        return None
    if isinstance(error, OSError) and error.errno not in WRITE_ERRNOS:
        return None
    # A nameless write error or a git failure: ask the parent folder itself what is wrong. A
    # full disk elsewhere (the temporary folder, HOME) leaves the parent fine: not DEST's.
    reason = parent_problem(parent)
    return _cannot_write(dest, reason) if reason is not None else None


def parent_problem(parent: Path) -> int | None:
    """Return the errno that stops new files in `parent` (read-only, unwritable, full)."""
    try:
        stats = os.statvfs(parent)
    except OSError:
        return None
    if stats.f_flag & os.ST_RDONLY:
        return errno.EROFS
    if not os.access(parent, os.W_OK | os.X_OK):
        return errno.EACCES
    if stats.f_bavail * stats.f_frsize < NEARLY_FULL_BYTES:
        return errno.ENOSPC
    return None


def _cannot_write(dest: Path, code: int | None) -> DestinationError:
    reason = os.strerror(code) if code is not None else "write failed"
    return DestinationError(f"Cannot write to '{dest}': {reason}.")


def _is_dest_or_staging(path: Path, dest: Path) -> bool:
    """Tell whether `path` is DEST's parent, or lies in DEST or its staging folder.

    The staging folder is `.<DEST name>.<random>` beside DEST; a dataset source in the same
    parent is neither.
    """
    absolute = path if path.is_absolute() else Path.cwd() / path
    if absolute == dest.parent:
        return True
    try:
        top = absolute.relative_to(dest.parent).parts[0]
    except (ValueError, IndexError):
        return False
    return top == dest.name or top.startswith(f".{dest.name}.")
