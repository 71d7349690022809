"""Find conflict markers left in a project's files."""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from dlscaffold._git import git

# A line starting with seven '<' or '>' and a space or the end of the line, as git writes them.
_MARKER = re.compile(rb"^(<{7}|>{7})(?: |\r?$)", re.MULTILINE)
_MARKER_ERE = "^(<{7}|>{7})( |\r?$)"


def has_markers(data: bytes) -> bool:
    """Tell whether text holds a conflict marker line (binary content never does)."""
    return b"\0" not in data[:8000] and _MARKER.search(data) is not None


def files_with_markers(project: Path, paths: Iterable[str] | None = None) -> list[str]:
    """Return the files (tracked or untracked, not ignored, text only) with conflict markers.

    `git grep` searches the work tree in C and skips binary files, so a project with large
    tracked files is scanned quickly; it never writes the index.
    """
    if paths is not None:
        return [rel for rel in paths if _file_has_markers(project / rel)]
    out = git(
        "grep", "--untracked", "-I", "-l", "-z", "-E", _MARKER_ERE,
        cwd=project, check=False, env={"GIT_OPTIONAL_LOCKS": "0"},
    )  # fmt: skip
    return sorted(name for name in out.split("\0") if name)


def _file_has_markers(path: Path) -> bool:
    return path.is_file() and not path.is_symlink() and has_markers(path.read_bytes())
