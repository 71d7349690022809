"""Find conflict markers left in a project's files."""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from dlscaffold._git import git

# A line starting with seven '<' or '>' and a space or the end of the line, as git writes them.
_MARKER = re.compile(rb"^(<{7}|>{7})(?: |\r?$)", re.MULTILINE)
_MARKER_ERE = "^(<{7}|>{7})( |\r?$)"
# Ignored files larger than this are build outputs or data, never a merged template file.
_IGNORED_MAX_BYTES = 1 << 20


def has_markers(data: bytes) -> bool:
    """Tell whether text holds a conflict marker line (binary content never does)."""
    return b"\0" not in data[:8000] and _MARKER.search(data) is not None


def files_with_markers(
    project: Path, paths: Iterable[str] | None = None, *, also: Iterable[str] = ()
) -> list[str]:
    """Return the text files with conflict markers: `paths`, or else the whole project.

    The whole project means tracked and untracked files, plus the ignored files lying
    directly in a folder git lists (a template may render a file its own .gitignore hides,
    such as `.env`, and an update merges it too), plus `also` (paths an update wrote).
    Ignored folders (data/, logs/, models/) are never entered. `git grep` searches in C and
    skips binary files, so a project with large tracked files is scanned quickly; it never
    writes the index.
    """
    if paths is not None:
        return [rel for rel in paths if _file_has_markers(project / rel)]
    env = {"GIT_OPTIONAL_LOCKS": "0"}
    out = git(
        "grep", "--untracked", "-I", "-l", "-z", "-E", _MARKER_ERE,
        cwd=project, check=False, env=env,
    )  # fmt: skip
    found = {name for name in out.split("\0") if name}
    ignored = git(
        "ls-files", "--others", "--ignored", "--exclude-standard", "--directory", "-z",
        cwd=project, check=False, env=env,
    )  # fmt: skip
    extra = {name for name in ignored.split("\0") if name and not name.endswith("/")}
    found.update(rel for rel in extra - found if _file_has_markers(project / rel, small=True))
    found.update(rel for rel in set(also) - found if _file_has_markers(project / rel))
    return sorted(found)


def _file_has_markers(path: Path, *, small: bool = False) -> bool:
    try:
        if path.is_symlink() or not path.is_file():
            return False
        if small and path.stat().st_size > _IGNORED_MAX_BYTES:
            return False
        return has_markers(path.read_bytes())
    except OSError:
        return False
