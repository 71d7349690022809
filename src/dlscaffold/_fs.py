"""File-system helpers shared by the commands: umask-respecting temp folders, atomic writes."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def umask() -> int:
    """Return the process umask (reading it needs setting it; restored at once)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def make_staging_dir(parent: Path, *, prefix: str) -> Path:
    """Create a hidden temporary folder in `parent` with the mode a plain mkdir would give.

    `tempfile.mkdtemp` makes folders private (0700); a project renamed from it into place
    must look like any other folder the user made.
    """
    path = Path(tempfile.mkdtemp(dir=parent, prefix=prefix))
    path.chmod(0o777 & ~umask())
    return path


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
