"""Summaries of a dataset folder that tell whether its files changed.

The fingerprint is shared with the generated project (`utils/data_manifest.py`), which
records it in every training snapshot: sha256 of one line `relpath<TAB>size` per regular
file, relpaths in POSIX form, sorted, hidden names skipped.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Manifest:
    """File count, total size and fingerprint of a dataset folder."""

    files: int
    bytes: int
    fingerprint: str

    def as_dict(self) -> dict[str, int | str]:
        """Return the manifest as stored in `data/datasets.yaml`."""
        return {"files": self.files, "bytes": self.bytes, "fingerprint": self.fingerprint}


def iter_files(root: Path) -> list[tuple[str, int]]:
    """Return `(relpath, size)` of every regular, non-hidden file under `root`, sorted."""
    entries: list[tuple[str, int]] = []
    for dirpath, dirnames, filenames in os.walk(root, followlinks=True):
        dirnames[:] = [d for d in dirnames if not d.startswith(".")]
        rel_dir = os.path.relpath(dirpath, root)
        for name in filenames:
            if name.startswith("."):
                continue
            full = os.path.join(dirpath, name)
            if not os.path.isfile(full):
                continue
            rel = name if rel_dir == "." else f"{rel_dir}/{name}"
            entries.append((rel.replace(os.sep, "/"), os.stat(full).st_size))
    entries.sort()
    return entries


def compute_manifest(root: Path) -> Manifest:
    """Summarise the dataset folder `root` (following its link)."""
    digest = hashlib.sha256()
    total = 0
    entries = iter_files(root)
    for rel, size in entries:
        digest.update(f"{rel}\t{size}\n".encode())
        total += size
    return Manifest(files=len(entries), bytes=total, fingerprint=f"sha256:{digest.hexdigest()}")
