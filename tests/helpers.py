"""Helpers for tests: snapshots of folders, git calls, template repositories."""

from __future__ import annotations

import hashlib
import os
import subprocess
from pathlib import Path


def git(*args: str, cwd: Path) -> str:
    """Run git in `cwd` and return stdout (raising on failure)."""
    return subprocess.run(
        ["git", *args], cwd=cwd, check=True, capture_output=True, text=True
    ).stdout


def tree_digest(root: Path) -> dict[str, str]:
    """Map each path under `root` (links not followed) to a digest of its content, link
    target or mode, so a test can prove a command changed nothing."""
    result: dict[str, str] = {}
    if not root.exists():
        return result
    for dirpath, dirnames, filenames in os.walk(root):
        for name in sorted(dirnames + filenames):
            path = Path(dirpath) / name
            rel = path.relative_to(root).as_posix()
            st = path.lstat()
            if path.is_symlink():
                result[rel] = f"link:{os.readlink(path)}"
            elif path.is_file():
                digest = hashlib.sha256(path.read_bytes()).hexdigest()
                result[rel] = f"file:{st.st_mode:o}:{digest}"
            else:
                result[rel] = f"dir:{st.st_mode:o}"
    return result
