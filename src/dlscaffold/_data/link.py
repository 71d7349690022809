"""Link a raw dataset into a project's `data/` folder by a relative symlink."""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import dlscaffold
from dlscaffold._data.hashing import StartProgress, hash_files
from dlscaffold._data.manifest import Manifest, scan_files, summarize
from dlscaffold._data.modes import delete_mode_record, save_mode_record
from dlscaffold._data.names import check_name
from dlscaffold._data.places import system_location_problem
from dlscaffold._data.project import ANSWERS_FILE, DATA_DIR, link_path
from dlscaffold._data.protect import ModeChanges, restore_modes, set_read_only
from dlscaffold._data.records import delete_records, save_records
from dlscaffold._data.registry import REGISTRY_RELPATH, load_registry, now_iso, save_registry
from dlscaffold._example_data import EXAMPLE_DATASETS_HOME, example_datasets_home
from dlscaffold._git import stage
from dlscaffold._interrupts import (
    holding,
    interrupt_for,
    interruptible,
    mark_work_complete,
    shielded,
)
from dlscaffold.errors import UserError


@dataclass(frozen=True)
class LinkedDataset:
    """A dataset linked into a project.

    Attributes:
        name: The dataset name, also the link's name in `data/`.
        link_relpath: The link, relative to the project root (`data/<name>`).
        target: The relative path written in the link (and in the registry as `source`).
        source: The absolute source folder.
        manifest: The summary recorded in the registry.
        protected: Whether the source was made read-only.
        hashed: Whether content hashes were recorded for `data verify --full`.
    """

    name: str
    link_relpath: Path
    target: str
    source: Path
    manifest: Manifest
    protected: bool
    hashed: bool = False


def link_dataset(
    project: str | Path,
    name: str,
    source: str | Path,
    *,
    protect: bool = True,
    record_hashes: bool = False,
    final_project: str | Path | None = None,
    progress: StartProgress | None = None,
) -> LinkedDataset:
    """Link `source` as `data/<name>` in `project`, record it and (by default) protect it.

    Every check runs before anything changes; a failure after that undoes what was done,
    so a refused or failed link leaves project and source as they were.

    Args:
        project: The project root.
        name: A plain name (letters, digits, `_ . -`), not in use in `data/` yet.
        source: An existing folder outside the project.
        protect: Make the source read-only (mode bits only; content is never touched).
        record_hashes: Also record content hashes now, so that the first
            `data verify --full` compares contents with the state at link time.
        final_project: Where the project will live when `project` is a staging folder (as
            `dlscaffold new` uses); the relative link is computed from there.
        progress: Starts a progress bar for the hashing (with `record_hashes`).

    Raises:
        UserError: A bad name or source, or a name already in use.
    """
    project = Path(project).resolve()
    anchor = Path(final_project or project).resolve()
    link = _check_free(project, check_name(name))
    source_abspath = _check_source(
        Path(source), name=name, project=project, anchor=anchor, protect=protect
    )
    registry = load_registry(project)
    if name in registry["datasets"]:
        raise UserError(
            f"Dataset '{name}' is already in {DATA_DIR}/datasets.yaml; "
            f"run 'dlscaffold data unlink {name}' first or choose another name."
        )
    target = _relative_target(Path(source), source_abspath, anchor / DATA_DIR)
    entries = scan_files(source_abspath)
    manifest = summarize(entries)
    hashes = None
    if record_hashes:
        advance = progress(f"Hashing {name}", manifest.bytes) if progress else None
        hashes = hash_files(source_abspath, entries, advance=advance)
    linked_at = now_iso()
    registry["datasets"][name] = {
        "source": Path(target).as_posix(),
        "protected": protect,
        "linked_at": linked_at,
        "manifest": manifest.as_dict(),
    }

    def save() -> None:
        save_records(
            project, name, fingerprint=manifest.fingerprint, recorded_at=linked_at,
            entries=entries, hashes=hashes,
        )  # fmt: skip

    def register() -> None:
        save_registry(project, registry)
        stage(project, f"{DATA_DIR}/{name}", REGISTRY_RELPATH.as_posix())

    with interruptible():
        _create(
            project, link, target, source_abspath, protect=protect, save=save, register=register,
            last_step=final_project is None,
        )  # fmt: skip
    return LinkedDataset(
        name, Path(DATA_DIR) / name, target, source_abspath, manifest, protect, hashes is not None
    )


def _check_source(source: Path, *, name: str, project: Path, anchor: Path, protect: bool) -> Path:
    """Return the real path of `source`, or refuse a folder that must not be linked.

    Refused always: a missing source or a file; one inside the project, whether by its real
    path or by the path given (`data/digits` leads outside, yet names a link of the
    project); one that contains the project; a system folder, HOME or a folder above it (see
    `places`), whatever `protect` says. Refused with protection only (see
    `_not_to_protect`): folders that hold more than data.
    """
    given = source
    source = source.expanduser()
    if not source.exists():
        raise UserError(f"Dataset source '{given}' does not exist.")
    if not source.is_dir():
        raise UserError(f"Dataset source '{given}' is not a folder; link the folder holding it.")
    logical = Path(os.path.abspath(source))  # noqa: PTH100 (resolve() loses the path given)
    source = source.resolve()
    problem = system_location_problem(source)
    if problem is not None:
        raise UserError(f"Dataset source '{given}' is {problem}.")
    for root in {project, anchor}:
        if source == root or root in source.parents or _reached_through(logical, root):
            raise UserError(
                f"Dataset source '{given}' is inside the project; keep raw data outside it "
                "and link it in."
            )
        if source in root.parents:
            raise UserError(
                f"Dataset source '{given}' contains the project; link a folder that holds "
                "only data."
            )
    home = Path.home().resolve()
    reason = _not_to_protect(source, home) if protect else None
    if reason is not None:
        raise UserError(
            f"Refusing to make '{given}' read-only: it {reason}. Link the folder that holds "
            f"only the data, or link this one without protection: 'dlscaffold data link "
            f"{name} {given} --no-protect'."
        )
    return source


def _reached_through(logical: Path, root: Path) -> bool:
    """Tell whether the path `logical`, as written, passes through `root`."""
    return any(folder.resolve() == root for folder in (logical, *logical.parents))


def _not_to_protect(source: Path, home: Path) -> str | None:
    """Say why removing every write bit under `source` would do harm, or return None.

    A git repository (or a dlscaffold project) is code, not data: protecting it locks
    its `.git`. A hidden folder of HOME (`~/.local`, `~/.config`) holds programs' own
    files. And nothing that contains dlscaffold itself, the Python running it or its
    per-user files may be locked.
    """
    for marker, what in ((".git", "is a git repository"), (ANSWERS_FILE, "is a project")):
        entry = source / marker
        if entry.exists() or entry.is_symlink():
            return f"{what} (it has {marker} at its top), not only data"
    if source.parent == home and source.name.startswith("."):
        return "is a hidden folder of your home folder, which holds programs' own files"
    for needed, what in (
        (Path(dlscaffold.__file__).parent, "dlscaffold itself"),
        (Path(sys.prefix), "the Python environment running dlscaffold"),
        (Path(EXAMPLE_DATASETS_HOME).expanduser().parent, "dlscaffold's own files"),
        (example_datasets_home(), "the shared example datasets"),
    ):
        try:
            needed = needed.resolve()
        except OSError:
            continue
        if source == needed or source in needed.parents:
            return f"contains {what} ({needed})"
    return None


def _relative_target(given: Path, source_realpath: Path, data_dir: Path) -> str:
    """Return the link target: `given` relative to `data_dir`.

    The path as the user wrote it is kept where it leads to the same folder, so that
    `~/datasets/x` with `~/datasets` a link stays `../../datasets/x` (the layout a clone
    on another machine reproduces) rather than the disk path behind the link.
    """
    try:
        logical = os.path.abspath(given.expanduser())  # noqa: PTH100 (resolve() loses the links)
        for candidate in (logical, source_realpath):
            target = os.path.relpath(candidate, data_dir)
            if os.path.realpath(data_dir / target) == str(source_realpath):
                return target
    except ValueError as error:  # another drive on Windows: no relative path exists
        raise UserError(
            f"Dataset source '{given}' is on another drive than the project."
        ) from error
    raise UserError(f"Dataset source '{given}' cannot be reached by a relative link.")


def _check_free(project: Path, name: str) -> Path:
    link = link_path(project, name)
    if link.exists() or link.is_symlink():
        raise UserError(
            f"'{DATA_DIR}/{name}' already exists; choose another name or unlink it first."
        )
    return link


def _create(
    project: Path,
    link: Path,
    target: str,
    source: Path,
    *,
    protect: bool,
    save: Callable[[], None],
    register: Callable[[], None],
    last_step: bool,
) -> None:
    """Create the link, protect the source, save, then register; undo it all if a step fails.

    `register` (the registry entry, and staging it in git) comes last and runs with
    interrupts held back: a dataset is registered only together with its link, its records
    and the record of the modes protection changed. An interrupt (Ctrl-C, or SIGTERM, see
    `interruptible`) before it leaves none of them; one during it waits until it is done,
    then stops the command, unless linking is its `last_step` (`data link`, not `new
    --link`): the dataset is linked, and the interrupt is dropped (see
    `_interrupts.mark_work_complete`).
    """
    data_dir = link.parent
    made_data_dir = not data_dir.exists()
    changes: ModeChanges = []
    registered = False
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        link.symlink_to(target, target_is_directory=True)
        if protect:
            set_read_only(source, changes=changes)
            save_mode_record(project, link.name, source, changes)
        save()
        with holding() as held:
            register()
            registered = True
            if last_step:
                mark_work_complete()
        if held and not last_step:
            raise interrupt_for(held[0])
    except BaseException as error:
        if registered:
            raise  # an interrupt held back while registering: everything is in place
        with shielded():  # a second Ctrl-C must not cut the undo short
            restore_modes(changes)
            link.unlink(missing_ok=True)
            delete_records(project, link.name)
            delete_mode_record(project, link.name)
            if made_data_dir:
                shutil.rmtree(data_dir, ignore_errors=True)
        if isinstance(error, PermissionError):
            raise UserError(
                f"Cannot link {DATA_DIR}/{link.name}: {error.strerror} ({error.filename})."
            ) from error
        raise
