"""Unified diffs of planned changes, for `dlscaffold update --diff --patch`."""

from __future__ import annotations

import difflib
import os

from dlscaffold._generated.entries import Entry, Kind
from dlscaffold._update.plan import FileChange


def change_patch(change: FileChange) -> str:
    """Return the patch that turns the project's file into the updated one."""
    if not change.writes:
        return ""
    before, after = change.before, change.after
    old_name = f"a/{change.path}" if before is not None else "/dev/null"
    new_name = f"b/{change.path}" if after is not None else "/dev/null"
    if Kind.BINARY in {e.kind for e in (before, after) if e is not None}:
        return f"Binary files {old_name} and {new_name} differ\n"
    lines = difflib.unified_diff(_lines(before), _lines(after), fromfile=old_name, tofile=new_name)
    text = "".join(line if line.endswith("\n") else line + "\n" for line in lines)
    return text or f"mode change {change.path}\n"


def _lines(entry: Entry | None) -> list[str]:
    if entry is None:
        return []
    if entry.is_link:
        return [f"symlink -> {os.fsdecode(entry.data)}\n"]
    return entry.data.decode("utf-8", errors="replace").splitlines(keepends=True)
