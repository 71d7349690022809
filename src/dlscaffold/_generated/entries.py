"""What a path holds, compared across the three trees of an update: base, project, new."""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

# git's own heuristic: a NUL byte in the first 8000 bytes makes a file binary.
_BINARY_PROBE = 8000


class Kind(StrEnum):
    """How a path is stored."""

    TEXT = "text"
    BINARY = "binary"
    SYMLINK = "symlink"


@dataclass(frozen=True)
class Entry:
    """A regular file (bytes and executable bit) or a symlink (its target as bytes)."""

    data: bytes
    is_link: bool = False
    executable: bool = False

    @property
    def kind(self) -> Kind:
        """Text, binary or symlink."""
        if self.is_link:
            return Kind.SYMLINK
        return Kind.BINARY if b"\0" in self.data[:_BINARY_PROBE] else Kind.TEXT


def read_entry(path: Path) -> Entry | None:
    """Read what `path` holds; None when it is absent or a folder."""
    try:
        st = path.lstat()
    except (FileNotFoundError, NotADirectoryError):  # a parent may be a file
        return None
    if stat.S_ISLNK(st.st_mode):
        return Entry(os.fsencode(path.readlink()), is_link=True)
    if not stat.S_ISREG(st.st_mode):
        return None
    return Entry(path.read_bytes(), executable=bool(st.st_mode & stat.S_IXUSR))


def list_tree(root: Path) -> set[str]:
    """Return the relative POSIX paths of files and symlinks under `root`, `.git` excluded."""
    found: set[str] = set()
    for dirpath, dirnames, filenames in os.walk(root):
        if dirpath == str(root) and ".git" in dirnames:
            dirnames.remove(".git")
        rel_dir = os.path.relpath(dirpath, root)
        prefix = "" if rel_dir == "." else rel_dir.replace(os.sep, "/") + "/"
        for name in filenames:
            found.add(prefix + name)
        for name in list(dirnames):
            if Path(dirpath, name).is_symlink():
                found.add(prefix + name)  # os.walk does not descend into linked folders
    return found


def write_entry(path: Path, entry: Entry) -> None:
    """Make `path` hold `entry`, replacing a file or symlink already there."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.is_symlink() or (entry.is_link and path.exists()):
        path.unlink()
    if entry.is_link:
        path.symlink_to(os.fsdecode(entry.data))
        return
    path.write_bytes(entry.data)
    mode = path.stat().st_mode
    exec_bits = (mode & 0o444) >> 2
    path.chmod(mode | exec_bits if entry.executable else mode & ~0o111)
