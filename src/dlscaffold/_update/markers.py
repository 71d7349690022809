"""Find conflict markers left in a project's files."""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from dlscaffold._git import git

# A line starting with seven '<' or '>' and a space or end of line, as git writes them.
_MARKER = re.compile(rb"^(<{7}|>{7})(?: |\r?$)", re.MULTILINE)


def has_markers(data: bytes) -> bool:
    """Tell whether text holds a conflict marker line (binary content never does)."""
    return b"\0" not in data[:8000] and _MARKER.search(data) is not None


def tracked_files(project: Path) -> list[str]:
    """Return the files git tracks or would track in `project` (ignored files excluded)."""
    out = git("ls-files", "-z", "--cached", "--others", "--exclude-standard", cwd=project)
    return sorted({name for name in out.split("\0") if name})


def files_with_markers(project: Path, paths: Iterable[str] | None = None) -> list[str]:
    """Return the paths (tracked or untracked, not ignored) that hold conflict markers."""
    found = []
    for rel in tracked_files(project) if paths is None else paths:
        path = project / rel
        if path.is_file() and not path.is_symlink() and has_markers(path.read_bytes()):
            found.append(rel)
    return found
