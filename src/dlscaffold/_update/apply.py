"""Write a planned update into the project, and record conflicts in git's index.

Conflicted files get the three index stages a real merge leaves, so `git status` shows them
as unmerged and `git mergetool` works on them, as after `copier update`.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterable
from pathlib import Path

from dlscaffold._generated.entries import write_entry
from dlscaffold._git import git
from dlscaffold._update.ignored import ignored_paths
from dlscaffold._update.plan import FileChange, Status
from dlscaffold._update.rollback import Journal


def write_changes(project: Path, changes: Iterable[FileChange], journal: Journal) -> None:
    """Make the project hold each change's `after` content, deletions first.

    Deleting first lets a path change between file and folder in one update.
    """
    for change in sorted(changes, key=lambda c: c.after is not None):
        if not change.writes:
            continue
        path = project / change.path
        journal.touched.append((path, change.before))
        if change.after is None:
            path.unlink()
            _prune_empty_parents(path.parent, project)
        else:
            write_entry(path, change.after)


def _prune_empty_parents(folder: Path, root: Path) -> None:
    while folder != root and folder.is_dir() and not any(folder.iterdir()):
        folder.rmdir()
        folder = folder.parent


def mark_unmerged(project: Path, changes: Iterable[FileChange]) -> None:
    """Give each conflicted file index stages 1 (base), 2 (project) and 3 (template).

    A file git ignores is left out: staging it would add it to the index.
    """
    changes = [c for c in changes if c.status is Status.CONFLICT and c.before is not None]
    ignored = ignored_paths(project, (c.path for c in changes))
    lines = []
    for change in changes:
        if change.path in ignored:
            continue
        mode = "100755" if change.before.executable else "100644"
        lines.append(f"0 {'0' * 40}\t{change.path}")
        if change.base is not None:
            lines.append(f"{mode} {_blob(project, change.base.data)} 1\t{change.path}")
        lines.append(f"{mode} {_blob(project, change.before.data)} 2\t{change.path}")
        if change.template is not None:
            lines.append(f"{mode} {_blob(project, change.template.data)} 3\t{change.path}")
    if lines:
        subprocess.run(
            ["git", "update-index", "--index-info"],
            cwd=project,
            check=True,
            input="\n".join(lines) + "\n",
            text=True,
            capture_output=True,
        )


def _blob(project: Path, data: bytes) -> str:
    proc = subprocess.run(
        ["git", "hash-object", "-w", "--stdin"],
        cwd=project,
        input=data,
        capture_output=True,
        check=True,
    )
    return proc.stdout.decode().strip()


def head_commit(project: Path) -> str:
    """Return the project's HEAD commit."""
    return git("rev-parse", "--verify", "HEAD", cwd=project).strip()
