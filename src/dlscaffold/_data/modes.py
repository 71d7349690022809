"""What protection changed, so that `unlink --unprotect` undoes exactly that and no more.

`data link` records, per dataset, the real path of the source it protected and the mode
each path had before its write bits were removed, in this machine's
`data/.manifests/_modes/<name>.json` (ignored by git with the rest of `.manifests`: the
tracked registry is shared, and a registry edited by anyone must never decide which modes
change here). A folder name starting with `_` cannot clash with a dataset's records.

The undo trusts nothing it reads: it acts only when the link still leads to the recorded
source, and on each recorded path only while that path is still below the source through
real folders (no link on the way) and still has the mode protection gave it. A path whose
mode changed since (the user ran `chmod`) is left as it is and counted.
"""

from __future__ import annotations

import json
import os
import stat
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from dlscaffold._data.protect import WRITE_BITS, ModeChanges
from dlscaffold._data.records import ensure_records_dir, records_dir
from dlscaffold._fs import atomic_write_text

MODES_DIR = "_modes"
MODES_VERSION = 1


@dataclass(frozen=True)
class ModeRecord:
    """The modes protection changed under one source.

    Attributes:
        source: The real path of the protected source folder.
        modes: `(relpath, mode before)` of each changed path; `.` is the source itself.
    """

    source: Path
    modes: tuple[tuple[str, int], ...]


@dataclass(frozen=True)
class Undone:
    """What `undo_protection` did: paths given their modes back, and paths left alone."""

    restored: int
    left: tuple[str, ...]
    changes: ModeChanges  # (path, mode it had just before), to redo if a later step fails


def mode_record_path(project: Path, name: str) -> Path:
    """Return where the modes protection changed for dataset `name` are kept."""
    return records_dir(project) / MODES_DIR / f"{name}.json"


def save_mode_record(project: Path, name: str, source: Path, changes: ModeChanges) -> None:
    """Record the `(absolute path, mode before)` changes made under the real `source`."""
    folder = ensure_records_dir(project) / MODES_DIR
    folder.mkdir(exist_ok=True)
    base = os.fspath(source)
    modes = [[os.path.relpath(path, base), mode] for path, mode in changes]
    content = {"version": MODES_VERSION, "source": base, "modes": modes}
    atomic_write_text(mode_record_path(project, name), json.dumps(content, separators=(",", ":")))


def load_mode_record(project: Path, name: str) -> ModeRecord | None:
    """Return the record of dataset `name`; None when absent, unreadable or malformed."""
    try:
        raw = json.loads(mode_record_path(project, name).read_text(encoding="utf-8"))
        if raw.get("version") != MODES_VERSION or not isinstance(raw["source"], str):
            return None
        modes = tuple((str(rel), int(mode)) for rel, mode in raw["modes"])
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
    source = Path(raw["source"])
    if not source.is_absolute() or not all(_is_plain_relpath(rel) for rel, _ in modes):
        return None
    if not all(0 <= mode <= 0o7777 for _, mode in modes):
        return None
    return ModeRecord(source, modes)


def delete_mode_record(project: Path, name: str) -> None:
    """Forget what protection changed for dataset `name`."""
    mode_record_path(project, name).unlink(missing_ok=True)


def undo_protection(record: ModeRecord) -> Undone:
    """Give each recorded path its mode before protection, where that is still safe.

    The caller has checked that the dataset's link leads to `record.source`. Folders come
    first (the reverse of protection's order), so that their contents can be reached.
    """
    base = os.fspath(record.source)
    restored, left, changes = 0, [], []
    for relpath, mode in reversed(record.modes):
        path = base if relpath == "." else f"{base}/{relpath}"
        current = _protected_mode(path, base)
        if current is None or current != mode & ~WRITE_BITS:
            left.append(relpath)
            continue
        os.chmod(path, mode)  # noqa: PTH101 (str paths: one call per file of a dataset)
        changes.append((path, current))
        restored += 1
    return Undone(restored, tuple(left), changes)


def _protected_mode(path: str, base: str) -> int | None:
    """Return the mode of `path` if it is a real file or folder reached without links."""
    try:
        st = os.lstat(path)
    except OSError:
        return None
    if stat.S_ISLNK(st.st_mode) or os.path.realpath(path) != path:
        return None  # a link now, or reached through one: it may lead anywhere
    if path != base and not path.startswith(base + "/"):
        return None
    return stat.S_IMODE(st.st_mode)


def _is_plain_relpath(relpath: str) -> bool:
    pure = PurePosixPath(relpath)
    return relpath == "." or (
        not pure.is_absolute() and ".." not in pure.parts and pure.as_posix() == relpath
    )
