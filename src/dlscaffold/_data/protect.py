"""Read-only protection of raw data, by mode bits (content is never touched)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

WRITE_BITS = stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH


def set_read_only(root: Path, *, read_only: bool = True) -> None:
    """Remove (or give back to the owner) write permission on `root` and everything below it.

    Folders are handled after their contents, so that protecting never locks us out of a
    folder we still have to walk.
    """
    for dirpath, dirnames, filenames in os.walk(root, topdown=False):
        for name in filenames:
            _chmod(Path(dirpath) / name, read_only=read_only)
        for name in dirnames:
            _chmod(Path(dirpath) / name, read_only=read_only)
    _chmod(root, read_only=read_only)


def is_read_only(root: Path) -> bool:
    """Tell whether `root` and everything below it lack every write bit."""
    for dirpath, _dirnames, filenames in os.walk(root):
        if os.stat(dirpath).st_mode & WRITE_BITS:
            return False
        for name in filenames:
            if os.lstat(os.path.join(dirpath, name)).st_mode & WRITE_BITS:
                return False
    return True


def _chmod(path: Path, *, read_only: bool) -> None:
    st = os.lstat(path)
    if stat.S_ISLNK(st.st_mode):
        return
    mode = st.st_mode & ~WRITE_BITS if read_only else st.st_mode | stat.S_IWUSR
    if mode != st.st_mode:  # already protected data (every project after the first) costs a stat
        path.chmod(stat.S_IMODE(mode))
