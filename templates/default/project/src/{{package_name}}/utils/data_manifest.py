"""A dataset's manifest: file count, bytes and a fingerprint of names and sizes.

The fingerprint is shared with `dlscaffold data link`: the sha256 of one line
`"{relpath}\t{size}\n"` per regular file under the dataset root (the root link is followed,
paths are POSIX and relative to the root, sorted; hidden names starting with `.` are skipped).
"""

import hashlib
import os
from dataclasses import asdict, dataclass
from pathlib import Path


@dataclass(frozen=True)
class Manifest:
    files: int
    bytes: int
    fingerprint: str

    def as_dict(self) -> dict[str, int | str]:
        """Plain dict, as written to data/datasets.yaml and run snapshots."""
        return asdict(self)


def list_files(root: Path) -> list[tuple[str, int]]:
    """(relpath, size) of each regular, non-hidden file under `root`, sorted by relpath."""
    entries = []
    for folder, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if not d.startswith(".")]
        for name in filenames:
            path = Path(folder) / name
            if name.startswith(".") or path.is_symlink() or not path.is_file():
                continue
            entries.append((path.relative_to(root).as_posix(), path.stat().st_size))
    return sorted(entries)


def compute_manifest(root: Path) -> Manifest:
    """Manifest of the dataset at `root` (a folder or a link to one)."""
    entries = list_files(Path(root))
    digest = hashlib.sha256()
    for relpath, size in entries:
        digest.update(f"{relpath}\t{size}\n".encode())
    return Manifest(
        files=len(entries),
        bytes=sum(size for _, size in entries),
        fingerprint=f"sha256:{digest.hexdigest()}",
    )
