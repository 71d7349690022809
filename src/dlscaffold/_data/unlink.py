"""`unlink`: remove a dataset's link and registry entry; the source is never deleted."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dlscaffold._data.activity import forget_activity
from dlscaffold._data.modes import (
    ModeRecord,
    delete_mode_record,
    load_mode_record,
    undo_protection,
)
from dlscaffold._data.names import check_name
from dlscaffold._data.places import system_location_problem
from dlscaffold._data.project import DATA_DIR, link_path, source_path
from dlscaffold._data.protect import restore_modes
from dlscaffold._data.records import delete_records
from dlscaffold._data.registry import REGISTRY_RELPATH, load_registry, save_registry
from dlscaffold._example_data import example_datasets_home
from dlscaffold._git import stage
from dlscaffold._interrupts import interruptible, shielded
from dlscaffold.errors import UserError


@dataclass(frozen=True)
class UnlinkedDataset:
    """The result of `unlink_dataset`.

    Attributes:
        name: The dataset.
        source: Its source folder (kept), when known.
        link_removed: Whether a link `data/<name>` was removed (it may have been missing).
        was_registered: Whether it had a registry entry (a hand-made link has none).
        unprotected: Whether modes that protection changed were given back.
        still_protected: Whether the source was linked with protection and keeps it.
        shared: Whether the source is one of dlscaffold's shared example datasets, which
            other projects of this user may link too.
        restored: How many paths got back the mode they had before protection.
        left: Paths whose mode changed since protection, left as they are.
    """

    name: str
    source: Path | None
    link_removed: bool
    was_registered: bool
    unprotected: bool
    still_protected: bool = False
    shared: bool = False
    restored: int = 0
    left: tuple[str, ...] = ()


def unlink_dataset(project: str | Path, name: str, *, unprotect: bool = False) -> UnlinkedDataset:
    """Remove the link `data/<name>` and its registry entry, never the data behind it.

    Args:
        project: The project root.
        name: A registered dataset or a link in `data/`.
        unprotect: Undo `link`'s protection: give back exactly the modes it changed, as
            recorded on this machine (see `modes`), and only while the link still leads to
            the folder it protected.

    Raises:
        UserError: No such dataset, `data/<name>` is a real folder, or (with `unprotect`)
            the protection cannot be undone safely; nothing is changed then.
    """
    project = Path(project).resolve()
    link = link_path(project, check_name(name))
    registry = load_registry(project)
    entry = registry["datasets"].get(name)
    if link.exists() and not link.is_symlink():
        raise UserError(
            f"'{DATA_DIR}/{name}' is a real folder or file, not a link; dlscaffold never "
            "deletes data: move it out of the project yourself."
        )
    if entry is None and not link.is_symlink():
        raise UserError(
            f"No dataset '{name}' in this project; 'dlscaffold data list' shows the linked ones."
        )
    source = source_path(project, name, entry.get("source") if entry else None)
    record = _mode_record_to_undo(project, name, entry) if unprotect else None
    with interruptible(), shielded():  # from here on, an interrupt waits for every step
        undone = undo_protection(record) if record is not None else None
        try:
            if entry is not None:
                del registry["datasets"][name]
                save_registry(project, registry)
        except BaseException:
            restore_modes(undone.changes if undone else [])
            raise
        link_removed = link.is_symlink()
        link.unlink(missing_ok=True)
        delete_records(project, name)
        delete_mode_record(project, name)
        forget_activity(project, name)
        registry_relpath = [REGISTRY_RELPATH.as_posix()] if entry is not None else []
        stage(project, *registry_relpath, removed=[f"{DATA_DIR}/{name}"])
    protected = bool(entry and entry.get("protected")) and undone is None
    return UnlinkedDataset(
        name, source, link_removed, entry is not None, undone is not None and undone.restored > 0,
        protected, _is_shared(source), undone.restored if undone else 0,
        undone.left if undone else (),
    )  # fmt: skip


def _mode_record_to_undo(project: Path, name: str, entry: dict[str, Any] | None) -> ModeRecord:
    """Return the record of what protection changed, after checking that undoing it is safe.

    Raises:
        UserError: The link no longer leads to the protected folder (or to a folder that
            could be a dataset), or there is no record of what protection changed.
    """
    link = link_path(project, name)
    record = load_mode_record(project, name)
    if record is None:
        if entry is not None and entry.get("protected") is False:
            raise UserError(
                f"'{name}' was linked with --no-protect: there is no protection to undo; "
                "run unlink without --unprotect."
            )
        raise UserError(
            f"No record of the modes dlscaffold changed when it protected '{name}' (linked by "
            "an older dlscaffold or on another machine), so --unprotect cannot undo it; "
            "unlink without --unprotect and give write access back yourself (chmod -R u+w)."
        )
    target = link.resolve() if link.is_symlink() else None
    if target is None or not target.is_dir():
        raise UserError(
            f"Cannot give write access back: {DATA_DIR}/{name} no longer leads to the folder "
            f"dlscaffold protected ({record.source}); run unlink without --unprotect."
        )
    if target != record.source:
        raise UserError(
            f"Cannot give write access back: {DATA_DIR}/{name} now leads to {target}, not to "
            f"{record.source}, the folder dlscaffold protected; run unlink without --unprotect."
        )
    problem = system_location_problem(target)
    if problem is not None:
        raise UserError(f"Cannot give write access back: {target} is {problem}.")
    return record


def _is_shared(source: Path | None) -> bool:
    """Tell whether `source` is (inside) the per-user folder of example datasets."""
    if source is None:
        return False
    shared = example_datasets_home().resolve()
    return source == shared or shared in source.parents
