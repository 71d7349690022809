"""A git patch of planned changes, for `dlscaffold update --diff --patch`.

The patch is git's own (`git diff --no-index --binary` between the project's current entries
and the planned ones), so `git apply` accepts it: files without a final newline, mode
changes, symlinks, binary files, additions and deletions included.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable
from pathlib import Path

from dlscaffold._generated.entries import write_entry
from dlscaffold._process import run_captured
from dlscaffold._update.plan import FileChange
from dlscaffold.errors import GitError

# Whatever the user's git configuration says: plain, prefix-free, no renames, no helpers.
_DIFF_OPTIONS = (
    "--no-index", "--binary", "--no-prefix", "--no-color", "--no-ext-diff", "--no-textconv",
    "--no-renames", "--full-index",
)  # fmt: skip


def changes_patch(changes: Iterable[FileChange]) -> bytes:
    """Return the patch that turns the project's files into the updated ones.

    Paths read `a/PATH` and `b/PATH`, as in `git diff`, so `git apply` (which strips one
    leading component) applies it at the project's root. Bytes: file contents need not be
    UTF-8.
    """
    writes = [change for change in changes if change.writes]
    if not writes:
        return b""
    with tempfile.TemporaryDirectory(prefix="dlscaffold-patch-") as tmp:
        root = Path(tmp)
        for side in ("a", "b"):
            (root / side).mkdir()
        for change in writes:
            if change.before is not None:
                write_entry(root / "a" / change.path, change.before)
            if change.after is not None:
                write_entry(root / "b" / change.path, change.after)
        proc = run_captured(["git", "diff", *_DIFF_OPTIONS, "--", "a", "b"], cwd=root)
    if proc.returncode not in (0, 1):  # 1: differences found
        raise GitError(command=["diff", "--no-index"], stderr=proc.stderr.decode(errors="replace"))
    return proc.stdout
