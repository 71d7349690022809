"""The update journal: `<git dir>/dlscaffold-update/`, as git keeps `rebase-merge/`.

Before the first file of the project changes, the journal records everything needed both to
finish the update and to undo it: every path the update writes with what it held before
(bytes, symlink target, exact mode) and what it will hold, the folders it may create, the
modes of the folders around them, a copy of git's index, and the index entries of the
conflicts. It is written into a temporary folder, fsynced and renamed into place, so it is
either complete or absent. Replaying it either way is idempotent, so an update killed at any
moment (SIGKILL, power loss) is finished by `update --continue` or undone by `update
--abort`, however far it got. The journal is removed (renamed away, then deleted) once the
project is in its final state and that state is on disk.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
from collections.abc import Iterable
from dataclasses import dataclass, replace
from enum import StrEnum
from pathlib import Path
from typing import Any

from dlscaffold._generated.entries import Entry
from dlscaffold._git import git
from dlscaffold.errors import UserError

JOURNAL_NAME = "dlscaffold-update"
FORMAT = 1
_META, _DATA, _INDEX, _PHASE = "journal.json", "entries.bin", "index", "phase"


class Phase(StrEnum):
    """How far an update got; it decides what can be done with it."""

    WRITING = "writing"  # files may be partly written: --continue or --abort
    RUNNING_CODE = "running-code"  # the template's migrations or tasks ran: --abort only


class JournalError(UserError):
    """The update journal cannot be written, or that of an interrupted update read."""


@dataclass(frozen=True)
class Saved:
    """What a path held before the update: its entry and, for a file, its exact mode bits."""

    entry: Entry
    mode: int = 0


@dataclass(frozen=True)
class Step:
    """One path the update writes: what it held (None: absent) and will hold (None: removed)."""

    path: str
    before: Saved | None
    after: Entry | None


@dataclass(frozen=True)
class Journal:
    """An update in progress, as recorded on disk."""

    folder: Path
    head: str
    old_version: str
    new_version: str
    steps: tuple[Step, ...]
    new_dirs: tuple[str, ...]  # folders the update may create, deepest last
    dir_modes: dict[str, int]  # modes of the folders that held the written paths
    index_info: str  # `git update-index --index-info` lines marking the conflicts
    phase: Phase

    @property
    def saved_index(self) -> Path | None:
        """The copy of git's index taken before the update (None if there was none)."""
        path = self.folder / _INDEX
        return path if path.exists() else None


def git_dir(project: Path) -> Path:
    """Return the project's git folder (`.git`, or a worktree's own folder)."""
    dot_git = project / ".git"
    if dot_git.is_dir() and not dot_git.is_symlink():
        return dot_git
    return Path(git("rev-parse", "--absolute-git-dir", cwd=project).strip())


def read_saved(path: Path) -> Saved | None:
    """Read what `path` holds now, as the journal records it (None: absent or a folder)."""
    try:
        st = path.lstat()
    except (FileNotFoundError, NotADirectoryError):
        return None
    if stat.S_ISLNK(st.st_mode):
        return Saved(Entry(os.fsencode(path.readlink()), is_link=True))
    if not stat.S_ISREG(st.st_mode):
        return None
    entry = Entry(path.read_bytes(), executable=bool(st.st_mode & stat.S_IXUSR))
    return Saved(entry, stat.S_IMODE(st.st_mode))


def start(
    project: Path,
    gitdir: Path,
    *,
    head: str,
    old_version: str,
    new_version: str,
    writes: Iterable[tuple[str, Entry | None]],
    index_info: str,
    phase: Phase,
) -> Journal:
    """Record the update about to write `writes` (path, new entry) into `project`."""
    remove_leftovers(gitdir)
    steps = tuple(Step(rel, read_saved(project / rel), after) for rel, after in writes)
    new_dirs: dict[str, None] = {}
    dir_modes: dict[str, int] = {}
    for step in steps:
        for parent in reversed(Path(step.path).parents[:-1]):  # outermost first
            folder = project / parent
            if folder.is_dir() and not folder.is_symlink():
                dir_modes[parent.as_posix()] = stat.S_IMODE(folder.stat().st_mode)
            elif step.after is not None:
                new_dirs[parent.as_posix()] = None
    folder = gitdir / f"{JOURNAL_NAME}.tmp-{os.getpid()}"
    try:
        _write(folder, gitdir, steps, new_dirs, dir_modes, index_info, phase, head=head,
               versions=(old_version, new_version))  # fmt: skip
    except OSError as error:  # nothing was written to the project yet
        for half_made in (folder, gitdir / JOURNAL_NAME):
            shutil.rmtree(half_made, ignore_errors=True)
        raise JournalError(
            f"Cannot write the update journal in {gitdir} ({error.strerror or error}); nothing "
            "was changed."
        ) from error
    journal = load(gitdir)
    assert journal is not None
    return journal


def _write(
    folder: Path,
    gitdir: Path,
    steps: tuple[Step, ...],
    new_dirs: dict[str, None],
    dir_modes: dict[str, int],
    index_info: str,
    phase: Phase,
    *,
    head: str,
    versions: tuple[str, str],
) -> None:
    """Write the journal into `folder`, sync it, and rename it into place."""
    old_version, new_version = versions
    folder.mkdir()
    blobs = bytearray()
    meta: dict[str, Any] = {
        "format": FORMAT,
        "head": head,
        "old_version": old_version,
        "new_version": new_version,
        "new_dirs": list(new_dirs),
        "dir_modes": dir_modes,
        "index_info": index_info,
        "steps": [
            {
                "path": step.path,
                "before": _pack(step.before.entry, blobs, mode=step.before.mode)
                if step.before
                else None,
                "after": _pack(step.after, blobs) if step.after else None,
            }
            for step in steps
        ],
    }
    _write_synced(folder / _DATA, bytes(blobs))
    index = gitdir / "index"
    if index.exists():
        _write_synced(folder / _INDEX, index.read_bytes())
    _write_synced(folder / _META, json.dumps(meta).encode())
    _write_synced(folder / _PHASE, phase.value.encode())
    _sync_dir(folder)
    folder.rename(gitdir / JOURNAL_NAME)
    _sync_dir(gitdir)


def load(gitdir: Path) -> Journal | None:
    """Return the journal of an update in progress or interrupted, or None."""
    folder = gitdir / JOURNAL_NAME
    if not folder.is_dir():
        return None
    try:
        meta = json.loads((folder / _META).read_text())
        data = (folder / _DATA).read_bytes()
        phase = Phase((folder / _PHASE).read_text().strip())
        if meta.get("format") != FORMAT:
            raise ValueError(f"format {meta.get('format')!r}")
        if not re.fullmatch(r"[0-9a-f]{40}|[0-9a-f]{64}", meta["head"]):
            raise ValueError(f"head {meta['head']!r} is not a commit id")
        steps = tuple(
            Step(
                item["path"],
                Saved(_unpack(item["before"], data), item["before"]["mode"])
                if item["before"]
                else None,
                _unpack(item["after"], data) if item["after"] else None,
            )
            for item in meta["steps"]
        )
        return Journal(
            folder=folder,
            head=meta["head"],
            old_version=meta["old_version"],
            new_version=meta["new_version"],
            steps=steps,
            new_dirs=tuple(meta["new_dirs"]),
            dir_modes=dict(meta["dir_modes"]),
            index_info=meta["index_info"],
            phase=phase,
        )
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise JournalError(
            f"The journal of an interrupted update ({folder}) cannot be read ({error}); "
            "check `git status`, then remove that folder."
        ) from error


def set_phase(journal: Journal, phase: Phase) -> Journal:
    """Record that the update reached `phase`."""
    staged = journal.folder / f"{_PHASE}.tmp"
    _write_synced(staged, phase.value.encode())
    staged.replace(journal.folder / _PHASE)
    _sync_dir(journal.folder)
    return replace(journal, phase=phase)


def finish(journal: Journal) -> None:
    """Remove the journal: the project is in its final state (synced to disk by the caller)."""
    done = journal.folder.with_name(f"{JOURNAL_NAME}.done-{os.getpid()}")
    journal.folder.rename(done)  # not synced: a journal that comes back is replayed as a no-op
    shutil.rmtree(done, ignore_errors=True)


def remove_leftovers(gitdir: Path) -> None:
    """Remove half-made and finished journals that a killed update left behind."""
    for leftover in gitdir.glob(f"{JOURNAL_NAME}.*-*"):
        if leftover.name.startswith((f"{JOURNAL_NAME}.tmp-", f"{JOURNAL_NAME}.done-")):
            shutil.rmtree(leftover, ignore_errors=True)


def sync_paths(project: Path, relpaths: Iterable[str]) -> None:
    """Flush the files at `relpaths` (relative to `project`, or absolute) and their folders."""
    folders = set()
    for rel in relpaths:
        path = project / rel
        folders.add(path.parent)
        if path.is_file() and not path.is_symlink():
            fd = os.open(path, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
    for folder in folders:
        if folder.is_dir():
            _sync_dir(folder)


def _pack(entry: Entry, blobs: bytearray, *, mode: int | None = None) -> dict[str, Any]:
    item = {"offset": len(blobs), "size": len(entry.data), "link": entry.is_link}
    item["executable"] = entry.executable
    if mode is not None:
        item["mode"] = mode
    blobs += entry.data
    return item


def _unpack(item: dict[str, Any], data: bytes) -> Entry:
    content = data[item["offset"] : item["offset"] + item["size"]]
    if len(content) != item["size"]:
        raise ValueError("entries.bin is truncated")
    return Entry(content, is_link=item["link"], executable=item["executable"])


def _write_synced(path: Path, data: bytes) -> None:
    with open(path, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


def _sync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
