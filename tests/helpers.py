"""Helpers for tests: snapshots of folders, git calls, template repositories."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
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


def build_file_tree(root: Path, spec: dict[str, str | bytes]) -> None:
    """Write `{relpath: content}` under `root` (bytes for binary files)."""
    for rel, content in spec.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)


def make_template_repo(
    root: Path, spec: dict[str, str | bytes], *, tag: str | None = "v1.0.0"
) -> Path:
    """Create a git repository holding a copier template, committed and (optionally) tagged."""
    root.mkdir(parents=True, exist_ok=True)
    build_file_tree(root, spec)
    git("init", "--quiet", cwd=root)
    git("add", "--all", cwd=root)
    git("commit", "--quiet", "-m", "template", cwd=root)
    if tag:
        git("tag", tag, cwd=root)
    return root


def check_in_a_fresh_process(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`dlscaffold check PROJECT --json ARGS` in a new interpreter that reports on stderr, as
    `LOADED [modules] EXIT`, which of pydantic and copier it imported."""
    code = (
        "import sys; from dlscaffold._cli import main; sys.argv = ['dlscaffold', 'check', "
        f"{str(project)!r}, '--json', *{list(args)!r}]\n"
        "try:\n    main()\nexcept SystemExit as e:\n    code = e.code\n"
        "loaded = sorted(m for m in ('pydantic', 'copier') if m in sys.modules)\n"
        "print('LOADED', loaded, code, file=sys.stderr)"
    )
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
