"""File-system helpers shared by the commands: umask-respecting temp folders, atomic writes."""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from pathlib import Path

from dlscaffold._interrupts import shielded

# What makes a staging folder provably dlscaffold's own: this file, naming the process
# that made it. It sits at the folder's top until `git init` and in its `.git` after, so
# that it is never committed; it is removed just before the folder is renamed into place.
STAGING_MARKER = ".dlscaffold-staging"
# `tempfile.mkdtemp` names: the prefix `.<dest>.` and 8 characters of its alphabet.
_STAGING_NAME = re.compile(r"\..+\.[a-z0-9_]{8}")


def umask() -> int:
    """Return the process umask (reading it needs setting it; restored at once)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def make_staging_dir(parent: Path, *, prefix: str, made: list[Path]) -> Path:
    """Create a hidden temporary folder in `parent` with the mode a plain mkdir would give.

    Its path is appended to `made` before an interrupt can land: the caller's clean-up walks
    `made` from a `try` begun before this call, so it never misses the folder (a SIGTERM
    between `mkdtemp` creating it and the caller holding its path used to leave it behind).
    `tempfile.mkdtemp` makes folders private (0700); a project renamed from it into place
    must look like any other folder the user made.
    """
    with shielded():
        path = Path(tempfile.mkdtemp(dir=parent, prefix=prefix))
        made.append(path)
    path.chmod(0o777 & ~umask())
    return path


def make_marked_staging_dir(parent: Path, *, prefix: str, made: list[Path]) -> Path:
    """Create a staging folder (see `make_staging_dir`) that names this process as its maker.

    If the process is killed, the next `remove_stale_staging` in `parent` removes it.
    """
    path = make_staging_dir(parent, prefix=prefix, made=made)
    marker = {"pid": os.getpid(), "host": _hostname()}
    (path / STAGING_MARKER).write_text(json.dumps(marker), encoding="utf-8")
    return path


def hide_staging_marker(staging: Path) -> None:
    """Move the marker into the staging folder's `.git` (made by now), out of any commit."""
    os.replace(staging / STAGING_MARKER, staging / ".git" / STAGING_MARKER)


def drop_staging_marker(staging: Path) -> None:
    """Remove the marker: the folder is about to become the user's project."""
    for marker in (staging / STAGING_MARKER, staging / ".git" / STAGING_MARKER):
        marker.unlink(missing_ok=True)


def remove_stale_staging(parent: Path) -> list[str]:
    """Remove the staging folders in `parent` left by a killed process; return their names.

    Only hidden folders with a mkdtemp-style name whose marker names a process of this
    machine that no longer runs are removed: anything else may be someone's work.
    """
    removed = []
    try:
        candidates = [p for p in parent.iterdir() if _STAGING_NAME.fullmatch(p.name)]
    except OSError:
        return []
    for path in candidates:
        if not path.is_symlink() and path.is_dir() and _is_stale(path):
            shutil.rmtree(path, ignore_errors=True)
            if not path.exists():
                removed.append(path.name)
    return removed


def _is_stale(path: Path) -> bool:
    for marker in (path / STAGING_MARKER, path / ".git" / STAGING_MARKER):
        try:
            content = json.loads(marker.read_text(encoding="utf-8"))
            pid, host = int(content["pid"]), str(content["host"])
        except (OSError, ValueError, KeyError, TypeError):
            continue
        return host == _hostname() and pid != os.getpid() and not process_runs(pid)
    return False


def process_runs(pid: int) -> bool:
    """Tell whether a process `pid` runs on this machine (of any user)."""
    if os.name == "nt":
        return True  # os.kill would end it there: never call a folder stale
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def atomic_write_bytes(path: Path, content: bytes) -> None:
    """Write `content` to `path` through a temporary file and a rename.

    Readers never see half a file, and an interruption leaves the old one intact.
    """
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
        Path(tmp_name).chmod(0o666 & ~umask())
        os.replace(tmp_name, path)
    finally:
        Path(tmp_name).unlink(missing_ok=True)


def atomic_write_text(path: Path, text: str) -> None:
    """Write UTF-8 `text` to `path` atomically (see `atomic_write_bytes`)."""
    atomic_write_bytes(path, text.encode("utf-8"))


def _hostname() -> str:
    import socket  # only where staging folders are made or judged: spared by `check`

    return socket.gethostname()
