"""Small file-system helpers: atomic text writes and relative "pointer" links."""

import os
import shutil
from pathlib import Path


def atomic_write_text(path: Path, text: str) -> None:
    """Write to a temporary sibling, then rename over `path`: readers never see half a file."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)


def point_to(link: Path, target: Path) -> None:
    """Make `link` a relative symlink to `target`, replaced atomically; copy where links fail."""
    tmp = link.with_name(f".{link.name}.{os.getpid()}.tmp")
    tmp.unlink(missing_ok=True)
    try:
        tmp.symlink_to(os.path.relpath(target, link.parent), target_is_directory=target.is_dir())
    except OSError:  # e.g. Windows without developer mode
        if target.is_dir():
            raise
        shutil.copyfile(target, tmp)
    tmp.replace(link)
