"""Restore a project to its exact pre-update state when an update fails or is interrupted.

The update starts from a clean tree, so HEAD plus the list of files the update created is a
complete record: `git reset --hard` restores tracked files and the answers file, `git clean`
(never `-x`) removes new untracked files, and the journal removes new files that the
project's .gitignore hides. Ignored files the user owns (data links, logs/, models/) are
never touched.
"""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from dlscaffold._git import git


@dataclass
class Journal:
    """What the update did that git cannot undo by itself."""

    head: str
    created: list[Path] = field(default_factory=list)


@contextmanager
def rollback_on_failure(project: Path) -> Iterator[Journal]:
    """Yield a journal; on any exception or Ctrl-C, put the project back as it was."""
    journal = Journal(head=git("rev-parse", "--verify", "HEAD", cwd=project).strip())
    try:
        yield journal
    except BaseException:
        restore(project, journal)
        raise


def restore(project: Path, journal: Journal) -> None:
    """Undo everything since `journal.head`, shielded from a second Ctrl-C."""
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        git("reset", "--hard", "--quiet", journal.head, cwd=project)
        git("clean", "-d", "--force", "--quiet", cwd=project)
        for path in journal.created:
            if path.is_symlink() or path.is_file():
                path.unlink()
    finally:
        signal.signal(signal.SIGINT, previous)
