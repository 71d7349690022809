"""Write a journaled update into the project, and record conflicts in git's index.

`redo` brings every path of the journal to its new content, skipping those already there,
so the same function writes an update the first time and finishes one that was killed
(`update --continue`). Conflicted files get the three index stages a real merge leaves, so
`git status` shows them as unmerged and `git mergetool` works on them, as after `copier
update`.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable
from pathlib import Path

from dlscaffold._generated.entries import Entry, read_entry, write_entry
from dlscaffold._git import git
from dlscaffold._process import run_captured
from dlscaffold._update.ignored import ignored_paths
from dlscaffold._update.journal import Journal
from dlscaffold._update.plan import FileChange, Status

# Test hook: seconds to wait before each write, so a test can kill an update mid-way.
WRITE_DELAY_ENV = "DLSCAFFOLD_TEST_WRITE_DELAY"


def planned_writes(changes: Iterable[FileChange]) -> list[tuple[str, Entry | None]]:
    """Return (path, new entry or None to remove) for each change that writes, removals first.

    Removing first lets a path change between file and folder in one update.
    """
    writing = [change for change in changes if change.writes]
    return [(c.path, c.after) for c in sorted(writing, key=lambda c: c.after is not None)]


def redo(project: Path, journal: Journal) -> None:
    """Make every path of `journal` hold its new content, then mark the conflicts."""
    delay = float(os.environ.get(WRITE_DELAY_ENV) or 0)
    for step in journal.steps:
        if delay:
            time.sleep(delay)
        path = project / step.path
        if step.after is None:
            if path.is_symlink() or path.is_file():
                path.unlink()
            _prune_empty_parents(path.parent, project)
        elif read_entry(path) != step.after:
            write_entry(path, step.after)
    apply_index_info(project, journal.index_info)


def _prune_empty_parents(folder: Path, root: Path) -> None:
    while folder != root and folder.is_dir() and not any(folder.iterdir()):
        folder.rmdir()
        folder = folder.parent


def unmerged_index_info(project: Path, changes: Iterable[FileChange]) -> str:
    """Return the index lines giving each conflict stages 1 (base), 2 (project), 3 (template).

    The blobs are written to the object database now, before any file changes. A file git
    ignores is left out: staging it would add it to the index.
    """
    changes = [c for c in changes if c.status is Status.CONFLICT and c.before is not None]
    ignored = ignored_paths(project, (c.path for c in changes))
    lines = []
    for change in changes:
        before = change.before
        if before is None or change.path in ignored:
            continue
        mode = "100755" if before.executable else "100644"
        lines.append(f"0 {'0' * 40}\t{change.path}")
        if change.base is not None:
            lines.append(f"{mode} {_blob(project, change.base.data)} 1\t{change.path}")
        lines.append(f"{mode} {_blob(project, before.data)} 2\t{change.path}")
        if change.template is not None:
            lines.append(f"{mode} {_blob(project, change.template.data)} 3\t{change.path}")
    return "".join(line + "\n" for line in lines)


def apply_index_info(project: Path, index_info: str) -> None:
    """Feed `index_info` to `git update-index --index-info` (idempotent)."""
    if index_info:
        run_captured(
            ["git", "update-index", "--index-info"],
            cwd=project, check=True, input=index_info, text=True,
        )  # fmt: skip


def _blob(project: Path, data: bytes) -> str:
    args = ["git", "hash-object", "-w", "--stdin"]
    proc = run_captured(args, cwd=project, input=data, check=True)
    return proc.stdout.decode().strip()


def head_commit(project: Path) -> str:
    """Return the project's HEAD commit."""
    return git("rev-parse", "--verify", "HEAD", cwd=project).strip()
