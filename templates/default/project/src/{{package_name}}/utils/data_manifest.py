r"""A dataset's manifest: file count, bytes and a fingerprint of names, sizes and links.

The fingerprint is shared with `dlscaffold data link`: the sha256 of one line per entry
under the dataset root (the root link is followed, paths are POSIX and relative to the
root, sorted; names starting with `.` are skipped, files and folders):
`"{relpath}\t{size}\n"` for a regular file, `"{relpath}\t->{target}\n"` for a symbolic
link, its target as written. Links are never followed by the walk. A link that leads to a
regular file inside the dataset counts as a file of the dataset (the loader reads it);
any other link (to a folder, outside the dataset, nowhere) is in the fingerprint but is
not a file of the dataset. `bytes` counts regular files only.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import asdict, dataclass
from pathlib import Path


@dataclass(frozen=True)
class Manifest:
    files: int
    bytes: int
    fingerprint: str

    def as_dict(self) -> dict[str, int | str]:
        """Plain dict, as written to data/datasets.yaml and run snapshots."""
        return asdict(self)


@dataclass(frozen=True)
class Entry:
    """A regular file or a symbolic link of a dataset.

    `leads` says where a link goes: `file` (a regular file inside the dataset), `folder`
    (a folder inside it), `outside` (out of the dataset) or `nowhere`; None for a file.
    """

    relpath: str
    size: int
    link: str | None = None
    leads: str | None = None

    @property
    def is_file(self) -> bool:
        """Tell whether the entry is a file of the dataset (what the loader reads)."""
        return self.link is None or self.leads == "file"


def link_leads(path: str, root_real: str) -> str:
    """Say where the link at `path` leads, seen from the dataset whose real path is given."""
    real = os.path.realpath(path)
    if real != root_real and not real.startswith(root_real.rstrip(os.sep) + os.sep):
        return "outside"
    if Path(real).is_file():
        return "file"
    return "folder" if Path(real).is_dir() else "nowhere"


def scan(root: Path) -> list[Entry]:
    """Every non-hidden regular file and link under `root`, sorted by relpath."""
    root_real = os.path.realpath(root)
    entries = []
    stack = [("", os.fspath(root))]
    while stack:
        rel_dir, folder = stack.pop()
        with os.scandir(folder) as listing:
            for item in listing:
                if item.name.startswith("."):
                    continue
                relpath = rel_dir + item.name
                if item.is_symlink():
                    leads = link_leads(item.path, root_real)
                    target = os.readlink(item.path)  # noqa: PTH115 (as written, not normalised)
                    entries.append(Entry(relpath, 0, target, leads))
                elif item.is_dir(follow_symlinks=False):
                    stack.append((relpath + "/", item.path))
                elif item.is_file(follow_symlinks=False):
                    entries.append(Entry(relpath, item.stat(follow_symlinks=False).st_size))
    return sorted(entries, key=lambda entry: entry.relpath)


def list_files(root: Path) -> list[tuple[str, int]]:
    """(relpath, size) of each file of the dataset under `root`, sorted by relpath.

    The files of the dataset: regular files and links to regular files inside it (with
    the size of the file they lead to); not hidden names, not links leaving the dataset.
    """
    return [
        (entry.relpath, entry.size if entry.link is None else (root / entry.relpath).stat().st_size)
        for entry in scan(Path(root))
        if entry.is_file
    ]


def links_outside(root: Path) -> list[str]:
    """Relpaths of the links under `root` that lead out of the dataset (not part of it)."""
    return [entry.relpath for entry in scan(Path(root)) if entry.leads == "outside"]


def compute_manifest(root: Path) -> Manifest:
    """Manifest of the dataset at `root` (a folder or a link to one)."""
    entries = scan(Path(root))
    digest = hashlib.sha256()
    for entry in entries:
        value = str(entry.size) if entry.link is None else f"->{entry.link}"
        digest.update(f"{entry.relpath}\t{value}\n".encode("utf-8", "surrogateescape"))
    return Manifest(
        files=sum(1 for entry in entries if entry.is_file),
        bytes=sum(entry.size for entry in entries if entry.link is None),
        fingerprint=f"sha256:{digest.hexdigest()}",
    )
