"""One `dlscaffold update` per project at a time, and no scratch folders left behind.

The lock is `<git dir>/dlscaffold-update.lock`, held with `flock` and holding the owner's
PID. The kernel releases an flock when its owner dies, however it dies, so a lock file left
by a killed run is stale by construction and simply taken over. Scratch folders are named
after their owner's PID; those of dead owners are removed when the next update starts.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from dlscaffold._fs import process_runs
from dlscaffold.errors import UserError

LOCK_NAME = "dlscaffold-update.lock"
SCRATCH_PREFIX = "dlscaffold-update-"
# Scratch folders of dlscaffold versions that did not name them after their owner.
_UNNAMED_STALE_AFTER_S = 24 * 3600


class UpdateRunningError(UserError):
    """Another update of the same project is running."""


@contextmanager
def update_lock(git_dir: Path) -> Iterator[None]:
    """Hold the project's update lock, or raise `UpdateRunningError` at once."""
    path = git_dir / LOCK_NAME
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            owner = os.pread(fd, 64, 0).decode(errors="replace").strip() or "?"
            os.close(fd)
            raise UpdateRunningError(
                f"Another dlscaffold update of this project is running (PID {owner}); wait "
                "for it to finish."
            ) from None
        # The file may have been removed by its previous holder between open and flock.
        if _same_file(fd, path):
            break
        os.close(fd)
    try:
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        yield
    finally:
        path.unlink(missing_ok=True)  # still held: nobody can take it in between
        os.close(fd)


def _same_file(fd: int, path: Path) -> bool:
    try:
        return os.path.samestat(os.fstat(fd), path.stat())
    except FileNotFoundError:
        return False


@contextmanager
def scratch_folder() -> Iterator[str]:
    """Hold one update's scratch folder, named after this process; remove it at the end.

    While it is held, it is also Python's temporary folder, so that copier's template clones
    land inside it and go with it, even after a SIGKILL (see `remove_stale_scratch`).
    """
    with tempfile.TemporaryDirectory(prefix=f"{SCRATCH_PREFIX}{os.getpid()}-") as folder:
        previous = tempfile.tempdir
        tempfile.tempdir = folder
        try:
            yield folder
        finally:
            tempfile.tempdir = previous


def remove_stale_scratch(root: Path | None = None) -> list[Path]:
    """Remove the scratch folders of updates whose process is gone; return them."""
    root = Path(tempfile.gettempdir()) if root is None else root
    removed = []
    for folder in root.glob(f"{SCRATCH_PREFIX}*"):
        if folder.is_symlink() or not folder.is_dir() or not _stale(folder):
            continue
        shutil.rmtree(folder, ignore_errors=True)
        if not folder.exists():
            removed.append(folder)
    return removed


def _stale(folder: Path) -> bool:
    owner, sep, _ = folder.name.removeprefix(SCRATCH_PREFIX).partition("-")
    try:
        if folder.lstat().st_uid != os.getuid():
            return False
        if sep and owner.isdigit():
            return not process_runs(int(owner))
        return time.time() - folder.lstat().st_mtime > _UNNAMED_STALE_AFTER_S
    except OSError:
        return False
