"""Read-only protection of raw data, by mode bits only: content is never opened.

Without write permission on a folder, its entries cannot be deleted, renamed or added;
without it on a file, the file cannot be changed. (Root ignores mode bits: protection
guards against slips, not against administrators.)
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from dlscaffold._interrupts import shielded
from dlscaffold.errors import UserError

WRITE_BITS = stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH

ModeChanges = list[tuple[str, int]]


def set_read_only(
    root: Path, *, read_only: bool = True, changes: ModeChanges | None = None
) -> ModeChanges:
    """Remove every write bit (or give the owner's back) on `root` and everything below it.

    Folders are changed after their contents, so that protecting never locks us out of a
    folder still to be walked. Links are never followed. Returns `(path, old_mode)` of each
    change, for `restore_modes` to undo a half-finished operation; with `changes`, each is
    appended there as it is made, so that an interrupt never loses one. On failure, the
    changes made are undone and `changes` is emptied.
    """
    changes = [] if changes is None else changes
    try:
        for dirpath, dirnames, filenames in os.walk(root, topdown=False):
            for name in (*filenames, *dirnames):
                _chmod(os.path.join(dirpath, name), read_only=read_only, changes=changes)
        _chmod(os.fspath(root), read_only=read_only, changes=changes)
    except BaseException:
        with shielded():
            restore_modes(changes)
            changes.clear()
        raise
    return changes


def restore_modes(changes: ModeChanges) -> None:
    """Put back the modes `set_read_only` changed, folders first (the reverse order)."""
    for path, mode in reversed(changes):
        os.chmod(path, mode)  # noqa: PTH101 (str paths: one call per file of a dataset)


def is_read_only(root: Path) -> bool:
    """Tell whether `root` and everything below it lack every write bit."""
    for dirpath, _dirnames, filenames in os.walk(root):
        if os.stat(dirpath).st_mode & WRITE_BITS:
            return False
        for name in filenames:
            st = os.lstat(os.path.join(dirpath, name))
            if not stat.S_ISLNK(st.st_mode) and st.st_mode & WRITE_BITS:
                return False
    return True


def _chmod(path: str, *, read_only: bool, changes: ModeChanges) -> None:
    mode = os.lstat(path).st_mode
    if stat.S_ISLNK(mode):
        return
    new_mode = mode & ~WRITE_BITS if read_only else mode | stat.S_IWUSR
    if new_mode == mode:
        return
    changes.append((path, stat.S_IMODE(mode)))  # first: an interrupt never loses a change
    try:
        os.chmod(path, stat.S_IMODE(new_mode))  # noqa: PTH101 (str paths: one call per file)
    except PermissionError as error:
        changes.pop()
        if read_only and not os.access(path, os.W_OK):
            return  # someone else's file we cannot write either: protected from us already
        action = "protect" if read_only else "give write access back to"
        raise UserError(
            f"Cannot {action} '{path}': only its owner can change its permissions"
            + (" (link with --no-protect)." if read_only else ".")
        ) from error
