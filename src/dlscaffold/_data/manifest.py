"""Summaries of a dataset folder that tell whether its files changed.

The fingerprint is a contract with the generated project (`utils/data_manifest.py`), which
records it in every training snapshot: the sha256 of one line per entry, sorted by relpath
(relative to the dataset root, POSIX form), names starting with `.` skipped (files and
folders): `relpath<TAB>size<LF>` for a regular file, `relpath<TAB>->target<LF>` for a
symbolic link (its target as written). The root link is followed; links inside the
dataset are never followed by the walk, so a link loop cannot make it endless. A link
that leads to a regular file inside the dataset counts as one of its files (the loader
reads it); other links (to a folder, out of the dataset, nowhere) are in the fingerprint
only. `bytes` counts regular files.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from dataclasses import dataclass
from operator import itemgetter
from pathlib import Path
from typing import NamedTuple

from dlscaffold.errors import UserError

# Where a link leads, seen from its dataset (`FileEntry.leads`).
LEADS_FILE, LEADS_FOLDER, LEADS_OUTSIDE, LEADS_NOWHERE = "file", "folder", "outside", "nowhere"


class FileEntry(NamedTuple):
    """One regular file or symbolic link of a dataset: what the fast mode compares.

    `link` is the target written in a link (None for a regular file, whose `size` it is
    then), and `leads` where that link goes: one of the `LEADS_*` values.
    """

    relpath: str
    size: int
    mtime_ns: int
    link: str | None = None
    leads: str | None = None

    @property
    def is_file(self) -> bool:
        """Tell whether this is a file of the dataset: a regular file or a link to one in it."""
        return self.link is None or self.leads == LEADS_FILE


def link_leads(path: str, root_real: str) -> str:
    """Say where the link at `path` leads, seen from the dataset whose real path is given."""
    real = os.path.realpath(path)
    if real != root_real and not real.startswith(root_real.rstrip(os.sep) + os.sep):
        return LEADS_OUTSIDE
    if os.path.isfile(real):
        return LEADS_FILE
    return LEADS_FOLDER if os.path.isdir(real) else LEADS_NOWHERE  # noqa: PTH112 (str paths)


@dataclass(frozen=True)
class Manifest:
    """File count, total size and fingerprint of a dataset folder."""

    files: int
    bytes: int
    fingerprint: str

    def as_dict(self) -> dict[str, int | str]:
        """Return the manifest as stored in `data/datasets.yaml`."""
        return {"files": self.files, "bytes": self.bytes, "fingerprint": self.fingerprint}

    @classmethod
    def from_dict(cls, data: object) -> Manifest | None:
        """Read a manifest stored in the registry; None when absent or malformed."""
        if not isinstance(data, dict):
            return None
        files, size, fingerprint = data.get("files"), data.get("bytes"), data.get("fingerprint")
        if not (isinstance(files, int) and isinstance(size, int) and isinstance(fingerprint, str)):
            return None
        return cls(files, size, fingerprint)


def scan_files(root: Path | str) -> list[FileEntry]:
    """Return every regular file and link under `root` (hidden names skipped), sorted.

    One `lstat` per file is the whole cost (`os.scandir` gives file types for free), which
    is what makes the fast mode fast; a link costs a `readlink` and a `realpath` more.
    (Walking by folder descriptors, so that each `lstat` resolves one name instead of a
    path, gained at most 10% on Linux: not worth its code.)
    """
    entries: list[FileEntry] = []
    root_real = os.path.realpath(root)
    stack = [("", os.fspath(root))]
    while stack:
        rel_dir, dir_path = stack.pop()
        try:
            listing = os.scandir(dir_path)
        except OSError as error:
            raise UserError(f"Cannot list the folder '{dir_path}': {error.strerror}.") from error
        with listing:
            for entry in listing:
                name = entry.name
                if name.startswith("."):
                    continue
                if entry.is_symlink():
                    st = entry.stat(follow_symlinks=False)
                    target = os.readlink(entry.path)  # noqa: PTH115 (str, as written)
                    leads = link_leads(entry.path, root_real)
                    entries.append(FileEntry(rel_dir + name, 0, st.st_mtime_ns, target, leads))
                elif entry.is_dir(follow_symlinks=False):
                    stack.append((f"{rel_dir}{name}/", entry.path))
                elif entry.is_file(follow_symlinks=False):
                    st = entry.stat(follow_symlinks=False)
                    entries.append(FileEntry(rel_dir + name, st.st_size, st.st_mtime_ns))
    entries.sort(key=itemgetter(0))
    return entries


def summarize(entries: Iterable[FileEntry | tuple[str, int]]) -> Manifest:
    """Return the manifest of sorted entries (`(relpath, size)` pairs are regular files)."""
    digest = hashlib.sha256()
    files = total = 0
    for entry in entries:
        relpath, size = entry[0], entry[1]
        link = entry.link if isinstance(entry, FileEntry) else None
        if link is None:
            digest.update(f"{relpath}\t{size}\n".encode("utf-8", "surrogateescape"))
            total += size
            files += 1
        else:
            digest.update(f"{relpath}\t->{link}\n".encode("utf-8", "surrogateescape"))
            files += entry.leads == LEADS_FILE  # type: ignore[union-attr]
    return Manifest(files=files, bytes=total, fingerprint=f"sha256:{digest.hexdigest()}")


def links_outside(entries: Iterable[FileEntry]) -> tuple[str, ...]:
    """Return the relpaths of the links that lead out of the dataset (not part of it)."""
    return tuple(entry.relpath for entry in entries if entry.leads == LEADS_OUTSIDE)


def compute_manifest(root: Path | str) -> Manifest:
    """Summarise the dataset folder `root` (following its link)."""
    return summarize(scan_files(root))
