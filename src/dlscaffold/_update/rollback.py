"""Restore a project to its exact pre-update state when an update fails or is interrupted.

The update starts from a clean tree, so HEAD plus a journal of the paths the update wrote
is a complete record: `git reset --hard` restores tracked files and the answers file, `git
clean` (never `-x`) removes new untracked files, and the journal puts back the previous
content of paths the project's .gitignore hides. Other ignored files (data links, logs/,
models/) are never touched.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from dlscaffold._generated.entries import Entry, read_entry, write_entry
from dlscaffold._git import git


@dataclass
class Journal:
    """What the update did that git cannot undo by itself."""

    head: str
    touched: list[tuple[Path, Entry | None]] = field(default_factory=list)


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
    main = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN) if main else None
    try:
        git("reset", "--hard", "--quiet", journal.head, cwd=project)
        git("clean", "-d", "--force", "--quiet", cwd=project)
        # Ignored paths the update wrote (git restored everything else by now).
        for path, before in reversed(journal.touched):
            if read_entry(path) == before:
                continue
            if before is None:
                path.unlink()
            else:
                write_entry(path, before)
    finally:
        if main:
            signal.signal(signal.SIGINT, previous)
