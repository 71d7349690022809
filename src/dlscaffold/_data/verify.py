"""`verify`: compare datasets with the state recorded when they were linked.

Fast mode compares each file's size and mtime with the per-machine records; full mode
compares content hashes. Without records on this machine (a fresh clone), only the tracked
summary can be compared: it says whether the dataset differs, not which files.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from dlscaffold._data.activity import activity_of, load_activity, record_activity_many
from dlscaffold._data.hashing import StartProgress, hash_files
from dlscaffold._data.manifest import FileEntry, Manifest, links_outside, scan_files, summarize
from dlscaffold._data.project import DATA_DIR, inspect_command, link_path
from dlscaffold._data.records import DatasetRecords, load_records, save_records
from dlscaffold._data.registry import load_registry, now_iso, save_registry
from dlscaffold.errors import EXIT_FINDINGS, UserError

# Exit status of `dlscaffold data verify` when a dataset differs from its record or is
# missing. Distinct from 1 (user error), 2 (usage) and 3 (update available).
EXIT_DATA_CHANGED = EXIT_FINDINGS  # a dataset differs from its manifest

Mode = Literal["fast", "full"]
Status = Literal["ok", "changed", "missing", "accepted"]


@dataclass(frozen=True)
class DatasetCheck:
    """What `verify` found for one dataset.

    Attributes:
        name: The dataset.
        status: `ok`; `changed` (files or summary differ); `missing` (no link or no
            target); `accepted` (differences recorded as the new state, `accept=True`).
        added, removed, changed: Relpaths, when per-file records were available.
        current: The manifest now (None when missing).
        recorded: The manifest in the registry.
        per_file: Whether per-file records were compared (else only the summary).
        hashes_recorded: Whether this run recorded content hashes for the first time.
        detail: One sentence for `missing` and summary-only differences.
        outside_links: Links in the dataset that lead out of it (not part of it): a
            warning, since data the manifest does not cover may be read through them.
        inspected: Whether the project's `inspect-data` ever showed this dataset.
        inspect_command: The command that shows this dataset's samples and class balance.
    """

    name: str
    status: Status
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()
    current: Manifest | None = None
    recorded: Manifest | None = None
    per_file: bool = False
    hashes_recorded: bool = False
    detail: str | None = None
    outside_links: tuple[str, ...] = ()
    inspected: bool = True
    inspect_command: str = "python -m <package> inspect-data"

    @property
    def differs(self) -> bool:
        """Tell whether this dataset makes `verify` fail."""
        return self.status in ("changed", "missing")


@dataclass(frozen=True)
class VerifyReport:
    """The result of `verify_datasets`."""

    project: Path
    mode: Mode
    datasets: tuple[DatasetCheck, ...] = field(default_factory=tuple)

    @property
    def ok(self) -> bool:
        """Tell whether every dataset matches its record."""
        return not any(check.differs for check in self.datasets)


def verify_datasets(
    project: str | Path,
    name: str | None = None,
    *,
    full: bool = False,
    accept: bool = False,
    progress: StartProgress | None = None,
) -> VerifyReport:
    """Compare the datasets of `project` (or only `name`) with their recorded state.

    A dataset that matches gets `verified_at` in this machine's activity file (never in the
    tracked registry, which changes only when `accept` records a new state). With `accept`,
    differences are recorded as the dataset's new state instead of failing.

    Args:
        project: The project root.
        name: One registered dataset; all of them when None.
        full: Compare content hashes (reads every byte) instead of sizes and mtimes.
        accept: Record the current state as the new reference.
        progress: Starts a progress bar per hashed dataset (full mode only).

    Raises:
        UserError: `name` is not a registered dataset, or the registry is invalid.
    """
    project = Path(project).resolve()
    registry = load_registry(project)
    datasets: dict[str, dict[str, Any]] = registry["datasets"]
    if name is not None and name not in datasets:
        raise UserError(
            f"No dataset '{name}' in {DATA_DIR}/datasets.yaml; "
            "'dlscaffold data list' shows the linked ones."
        )
    names = [name] if name is not None else list(datasets)
    activity = load_activity(project)
    before = {each: datasets[each].get("manifest") for each in names}
    checks = tuple(
        replace(
            _verify_one(project, each, datasets[each], full=full, accept=accept, progress=progress),
            inspected=bool(activity_of(datasets[each], activity.get(each))["inspected_at"]),
            inspect_command=inspect_command(project, each),
        )
        for each in names
    )
    if any(datasets[each].get("manifest") != before[each] for each in names):
        save_registry(project, registry)  # only a new reference changes the tracked file
    passed = [check.name for check in checks if check.status in ("ok", "accepted")]
    if passed:
        now = now_iso()
        record_activity_many(project, {each: {"verified_at": now} for each in passed})
    return VerifyReport(project, "full" if full else "fast", checks)


def _verify_one(
    project: Path,
    name: str,
    entry: dict[str, Any],
    *,
    full: bool,
    accept: bool,
    progress: StartProgress | None,
) -> DatasetCheck:
    """Check one dataset; on success (or `accept`) update `entry` and the records.

    `entry["manifest"]` is replaced only when it differs, so that the tracked registry is
    rewritten only for a new reference.
    """
    root = link_path(project, name)
    recorded = Manifest.from_dict(entry.get("manifest"))
    if not root.is_dir():
        what = "has no link" if not root.is_symlink() else "links to a missing folder"
        return DatasetCheck(name, "missing", recorded=recorded, detail=f"{DATA_DIR}/{name} {what}.")
    entries = scan_files(root)
    current = summarize(entries)
    records = load_records(project, name)
    if records is not None and (recorded is None or records.fingerprint != recorded.fingerprint):
        records = None  # a record of some other state of the data: useless here
    hashes = None
    if full:
        advance = progress(f"Hashing {name}", current.bytes) if progress else None
        hashes = hash_files(root, entries, advance=advance)
    if records is not None:
        added, removed, changed = _compare(entries, hashes, records)
        differs = bool(added or removed or changed)
        detail = None
    else:
        added = removed = changed = ()
        differs = current != recorded
        detail = _summary_detail(current, recorded) if differs else None
    if differs and not accept:
        return DatasetCheck(
            name, "changed", added, removed, changed, current, recorded, records is not None,
            detail=detail, outside_links=links_outside(entries),
        )  # fmt: skip
    now = now_iso()
    if entry.get("manifest") != current.as_dict():
        entry["manifest"] = current.as_dict()
    hashes_new = hashes is not None and (records is None or not records.hashed)
    if records is None or hashes is not None or differs:
        if hashes is None and records is not None:
            hashes = _carried_hashes(entries, records)
        save_records(
            project, name, fingerprint=current.fingerprint, recorded_at=now, entries=entries,
            hashes=hashes,
        )  # fmt: skip
    return DatasetCheck(
        name, "accepted" if differs else "ok", added, removed, changed, current, recorded,
        records is not None, hashes_recorded=hashes_new, detail=detail,
        outside_links=links_outside(entries),
    )  # fmt: skip


def _compare(
    entries: list[FileEntry], hashes: list[str] | None, records: DatasetRecords
) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """Return (added, removed, changed) relpaths of `entries` against `records`.

    With hashes, a file changed when its size or content did (a touched file did not);
    without a recorded hash to compare with, size or mtime decide, as in fast mode. A link
    changed when its target did, whatever the mode.
    """
    known = records.files
    added: list[str] = []
    changed: list[str] = []
    for index, entry in enumerate(entries):
        record = known.get(entry.relpath)
        if record is None:
            added.append(entry.relpath)
        elif record.link != entry.link:  # retargeted, or a file became a link (or back)
            changed.append(entry.relpath)
        elif entry.link is not None:
            continue  # the same link: its mtime says nothing about the data
        elif record.size != entry.size:
            changed.append(entry.relpath)
        elif hashes is not None and record.sha256:
            if hashes[index] != record.sha256:
                changed.append(entry.relpath)
        elif record.mtime_ns != entry.mtime_ns:
            changed.append(entry.relpath)
    present = {entry.relpath for entry in entries}
    removed = sorted(rel for rel in known if rel not in present)
    return tuple(added), tuple(removed), tuple(changed)


def _carried_hashes(entries: list[FileEntry], records: DatasetRecords) -> list[str]:
    """Keep the recorded hash of each file whose size and mtime did not change."""
    hashes = []
    for entry in entries:
        record = records.files.get(entry.relpath)
        if record is not None and (record.size, record.mtime_ns) == (entry.size, entry.mtime_ns):
            hashes.append(record.sha256 or "")
        else:
            hashes.append("")
    return hashes


def _summary_detail(current: Manifest, recorded: Manifest | None) -> str:
    if recorded is None:
        return "No manifest is recorded for it; run verify with --accept to record one."
    return (
        f"{recorded.files} files ({recorded.bytes} bytes) recorded, {current.files} "
        f"({current.bytes} bytes) now; this machine has no per-file record to say which "
        "files differ."
    )
