"""Three-way merge of text with `git merge-file`, using the labels copier writes.

Markers are those of `copier update` (`<<<<<<< before updating` ... `>>>>>>> after
updating`), so tools and habits built around copier keep working.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from dlscaffold._process import run_captured

LABELS = ("before updating", "last update", "after updating")


def merge_text(
    base: bytes, ours: bytes, theirs: bytes, *, diff3: bool = False
) -> tuple[bytes, int]:
    """Merge `theirs` (template change) into `ours` (project); return (result, conflicts)."""
    with tempfile.TemporaryDirectory(prefix="dlscaffold-merge-") as tmp:
        paths = []
        for name, content in (("ours", ours), ("base", base), ("theirs", theirs)):
            path = Path(tmp) / name
            path.write_bytes(content)
            paths.append(str(path))
        args = ["git", "merge-file", "-p", *(arg for label in LABELS for arg in ("-L", label))]
        if diff3:
            args.append("--diff3")
        proc = run_captured([*args, "--", *paths])
    if proc.returncode < 0 or proc.returncode > 127:
        raise OSError(f"git merge-file failed: {proc.stderr.decode(errors='replace').strip()}")
    return proc.stdout, proc.returncode
