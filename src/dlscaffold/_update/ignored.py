"""Which paths of an update the project's .gitignore hides.

copier overwrites such files with the new version, user edits lost; dlscaffold merges them
like any other file but never gives them unmerged index entries: that would add an ignored
file to git's index.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import replace
from pathlib import Path

from dlscaffold._process import run_captured
from dlscaffold._update.plan import FileChange, Status

# Merged on both sides: copier would have written the template's version over the user's.
IGNORED_NOTE = "ignored by git: merged, not staged (copier overwrites it)"


def ignored_paths(project: Path, paths: Iterable[str]) -> set[str]:
    """Return those of `paths` that git ignores in `project` (tracked files never are)."""
    wanted = list(paths)
    if not wanted:
        return set()
    proc = run_captured(
        ["git", "check-ignore", "-z", "--stdin"],
        cwd=project, input=b"".join(os.fsencode(path) + b"\0" for path in wanted),
    )  # fmt: skip
    if proc.returncode not in (0, 1):  # 1: none is ignored
        raise OSError(f"git check-ignore failed: {proc.stderr.decode(errors='replace').strip()}")
    return {os.fsdecode(name) for name in proc.stdout.split(b"\0") if name}


def note_ignored(project: Path, changes: Sequence[FileChange]) -> list[FileChange]:
    """Say in the note of each merged or conflicted file that git ignores it."""
    merged = (Status.MERGED, Status.CONFLICT)
    ignored = ignored_paths(project, (c.path for c in changes if c.status in merged))
    return [
        replace(c, note="; ".join(filter(None, (c.note, IGNORED_NOTE)))) if c.path in ignored else c
        for c in changes
    ]
