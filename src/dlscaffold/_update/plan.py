"""Decide, path by path, what an update does to the project: the three-way merge proper.

For every path the template produced in either version: if the template did not change it,
or the project already holds the new content, nothing happens; if the user did not change
it, the template's new content is taken; otherwise text is merged (YAML by key), and
binaries, symlinks and paths deleted on one side keep the user's version and are reported.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from dlscaffold._generated.entries import Entry, Kind, list_tree, read_entry
from dlscaffold._update.textmerge import merge_text
from dlscaffold._update.yamlmerge import is_yaml, merge_yaml


class Status(StrEnum):
    """What an update does to one path."""

    ADDED = "added"
    UPDATED = "updated"
    MERGED = "merged"
    CONFLICT = "conflict"
    DELETED = "deleted"
    KEPT = "kept"  # both sides changed it and it cannot be merged: the user's version stays


SKIPPED_RECREATED = "in _skip_if_exists and missing: recreated, as copier does"


@dataclass(frozen=True)
class FileChange:
    """One path's outcome: what the project holds before and after the update."""

    path: str
    status: Status
    kind: Kind
    before: Entry | None
    after: Entry | None
    template: Entry | None
    base: Entry | None = None
    note: str = ""

    @property
    def writes(self) -> bool:
        """Tell whether applying this change touches the project."""
        return self.before != self.after


def plan_update(
    base: Path,
    project: Path,
    new: Path,
    *,
    answers_relpath: str,
    skip: Callable[[str], bool],
) -> list[FileChange]:
    """Compare the old render `base`, the `project` and the new render `new`, path by path."""
    changes = []
    for rel in sorted(list_tree(base) | list_tree(new)):
        b, p, n = (read_entry(root / rel) for root in (base, project, new))
        if rel == answers_relpath:
            b = p  # the answers file is the template's to write, never merged
        change = _decide(rel, b, p, n, skip=skip(rel))
        if change is not None:
            changes.append(change)
    return changes


def _decide(
    rel: str, b: Entry | None, p: Entry | None, n: Entry | None, *, skip: bool
) -> FileChange | None:
    if skip:
        # `_skip_if_exists`: never touched while it exists, recreated once deleted (as copier
        # does: it renders every missing path).
        if p is not None or n is None:
            return None
        return FileChange(rel, Status.ADDED, n.kind, p, n, n, b, note=SKIPPED_RECREATED)
    if b == n or p == n:
        return None
    kind = next(e.kind for e in (p, n, b) if e is not None)
    if p == b:
        status = Status.DELETED if n is None else Status.ADDED if p is None else Status.UPDATED
        return FileChange(rel, status, (n or p or b).kind, p, n, n, b)  # type: ignore[union-attr]
    if p is None:
        return _kept(rel, kind, p, n, "you deleted it; the template changed it")
    if n is None:
        return _kept(rel, kind, p, n, "the template deleted it; your edits are kept")
    if Kind.SYMLINK in (p.kind, n.kind) or (b is not None and b.is_link):
        return _kept(rel, Kind.SYMLINK, p, n, "symlink changed on both sides; yours is kept")
    if Kind.BINARY in (p.kind, n.kind):
        return _kept(rel, Kind.BINARY, p, n, "binary changed on both sides; yours is kept")
    return _merge(rel, b, p, n)


def _kept(rel: str, kind: Kind, p: Entry | None, n: Entry | None, note: str) -> FileChange:
    return FileChange(rel, Status.KEPT, kind, p, p, n, note=note)


def _merge(rel: str, b: Entry | None, p: Entry, n: Entry) -> FileChange:
    base = b.data if b is not None else b""
    merged, conflicts = merge_text(base, p.data, n.data)
    by_key = False
    if conflicts and is_yaml(rel):
        by_yaml = merge_yaml(base, p.data, n.data)
        if by_yaml is not None:
            merged, conflicts, by_key = by_yaml, 0, True
    # The executable bit follows whichever side changed it, the user's first.
    executable = p.executable if b is None or p.executable != b.executable else n.executable
    after = Entry(merged, executable=executable)
    if conflicts:
        note = f"{conflicts} conflict{'s' if conflicts > 1 else ''}, marked inline"
        return FileChange(rel, Status.CONFLICT, Kind.TEXT, p, after, n, b, note)
    note = "merged key by key" if by_key else ""
    return FileChange(rel, Status.MERGED, Kind.TEXT, p, after, n, b, note)
