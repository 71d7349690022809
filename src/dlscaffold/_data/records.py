"""Per-file records of each dataset, kept per machine in `data/.manifests/<name>.json`.

The tracked registry holds only a summary, which says *that* a dataset changed. To say
*which* files changed, `verify` needs each file's size and mtime (fast mode) and, once
hashed, its sha256 (full mode). Mtimes mean nothing on another machine, so these records
stay out of git (the folder ignores itself) and count only while their fingerprint matches
the registry's: a record of some other state of the data is never compared against.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from dlscaffold._data.manifest import FileEntry
from dlscaffold._data.project import DATA_DIR
from dlscaffold._fs import atomic_write_text

RECORDS_DIR = ".manifests"
RECORDS_VERSION = 1


@dataclass(frozen=True)
class FileRecord:
    """What was recorded of one file: size, mtime and (after a full pass) content hash.

    For a symbolic link, `link` is its target and `sha256` stays None.
    """

    size: int
    mtime_ns: int
    sha256: str | None
    link: str | None = None


@dataclass(frozen=True)
class DatasetRecords:
    """The per-file records of one dataset, valid for the registry state `fingerprint`."""

    fingerprint: str
    recorded_at: str
    files: dict[str, FileRecord]

    @property
    def hashed(self) -> bool:
        """Tell whether every regular file has a recorded content hash."""
        return all(record.sha256 or record.link is not None for record in self.files.values())


def records_dir(project: Path) -> Path:
    """Return the per-machine folder `data/.manifests` of `project`."""
    return project / DATA_DIR / RECORDS_DIR


def ensure_records_dir(project: Path) -> Path:
    """Create the per-machine folder, with the `.gitignore` that keeps it out of git."""
    folder = records_dir(project)
    folder.mkdir(parents=True, exist_ok=True)
    ignore = folder / ".gitignore"
    if not ignore.exists():
        atomic_write_text(
            ignore, "# Per-machine file records of `dlscaffold data`: never tracked.\n*\n"
        )
    return folder


def records_path(project: Path, name: str) -> Path:
    """Return where the records of dataset `name` are kept."""
    return records_dir(project) / f"{name}.json"


def load_records(project: Path, name: str) -> DatasetRecords | None:
    """Return the records of `name`, or None when absent or unreadable (then unused)."""
    try:
        raw = json.loads(records_path(project, name).read_text(encoding="utf-8"))
        if raw.get("version") != RECORDS_VERSION:
            return None
        files = {
            rel: FileRecord(size, mtime, sha, link[0] if link else None)
            for rel, size, mtime, sha, *link in raw["files"]
        }
        return DatasetRecords(raw["fingerprint"], raw["recorded_at"], files)
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def save_records(
    project: Path,
    name: str,
    *,
    fingerprint: str,
    recorded_at: str,
    entries: list[FileEntry],
    hashes: list[str] | None = None,
) -> None:
    """Record `entries` (and their `hashes`, in the same order) for dataset `name`."""
    ensure_records_dir(project)
    shas = hashes if hashes is not None else [None] * len(entries)
    content = {
        "version": RECORDS_VERSION,
        "name": name,
        "fingerprint": fingerprint,
        "recorded_at": recorded_at,
        "files": [
            [e.relpath, e.size, e.mtime_ns, sha or None] + ([e.link] if e.link is not None else [])
            for e, sha in zip(entries, shas, strict=True)
        ],
    }
    atomic_write_text(records_path(project, name), json.dumps(content, separators=(",", ":")))


def delete_records(project: Path, name: str) -> None:
    """Forget the records of dataset `name`."""
    records_path(project, name).unlink(missing_ok=True)
