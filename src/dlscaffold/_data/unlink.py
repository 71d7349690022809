"""`unlink`: remove a dataset's link and registry entry; the source is never deleted."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from dlscaffold._data.activity import forget_activity
from dlscaffold._data.names import check_name
from dlscaffold._data.project import DATA_DIR, link_path, source_path
from dlscaffold._data.protect import restore_modes, set_read_only
from dlscaffold._data.records import delete_records
from dlscaffold._data.registry import REGISTRY_RELPATH, load_registry, save_registry
from dlscaffold._example_data import example_datasets_home
from dlscaffold._git import stage
from dlscaffold.errors import UserError


@dataclass(frozen=True)
class UnlinkedDataset:
    """The result of `unlink_dataset`.

    Attributes:
        name: The dataset.
        source: Its source folder (kept), when known.
        link_removed: Whether a link `data/<name>` was removed (it may have been missing).
        was_registered: Whether it had a registry entry (a hand-made link has none).
        unprotected: Whether the owner got write access back to the source.
        still_protected: Whether the source was linked with protection and keeps it.
        shared: Whether the source is one of dlscaffold's shared example datasets, which
            other projects of this user may link too.
    """

    name: str
    source: Path | None
    link_removed: bool
    was_registered: bool
    unprotected: bool
    still_protected: bool = False
    shared: bool = False


def unlink_dataset(project: str | Path, name: str, *, unprotect: bool = False) -> UnlinkedDataset:
    """Remove the link `data/<name>` and its registry entry, never the data behind it.

    Args:
        project: The project root.
        name: A registered dataset or a link in `data/`.
        unprotect: Give the owner write access back to the source (undo `link`'s protection).

    Raises:
        UserError: No such dataset, `data/<name>` is a real folder, or (with `unprotect`)
            the source is missing; nothing is changed then.
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
    if unprotect and (source is None or not source.is_dir()):
        raise UserError(
            f"Cannot give write access back: the source of '{name}' ({source}) is missing; "
            "run unlink without --unprotect."
        )
    changes = set_read_only(source, read_only=False) if unprotect and source else []
    try:
        if entry is not None:
            del registry["datasets"][name]
            save_registry(project, registry)
    except BaseException:
        restore_modes(changes)
        raise
    link_removed = link.is_symlink()
    link.unlink(missing_ok=True)
    delete_records(project, name)
    forget_activity(project, name)
    registry_relpath = [REGISTRY_RELPATH.as_posix()] if entry is not None else []
    stage(project, *registry_relpath, removed=[f"{DATA_DIR}/{name}"])
    protected = bool(entry and entry.get("protected")) and not unprotect
    return UnlinkedDataset(
        name, source, link_removed, entry is not None, unprotect, protected, _is_shared(source)
    )


def _is_shared(source: Path | None) -> bool:
    """Tell whether `source` is (inside) the per-user folder of example datasets."""
    if source is None:
        return False
    shared = example_datasets_home().resolve()
    return source == shared or shared in source.parents
