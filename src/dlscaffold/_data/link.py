"""Link a raw dataset into a project's `data/` folder by a relative symlink."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from dlscaffold._data.manifest import Manifest, compute_manifest
from dlscaffold._data.protect import set_read_only
from dlscaffold._data.registry import load_registry, save_registry
from dlscaffold.errors import UserError

DATASET_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


@dataclass(frozen=True)
class LinkedDataset:
    """A dataset linked into a project."""

    name: str
    link_relpath: Path
    target: str
    manifest: Manifest
    protected: bool


def link_dataset(
    project: Path,
    name: str,
    source: Path,
    *,
    protect: bool = True,
    final_project: Path | None = None,
) -> LinkedDataset:
    """Link `source` as `data/<name>` in `project`, record it and (by default) protect it.

    `final_project` is where the project will live when `project` is a staging folder at the
    same depth (as `dlscaffold new` uses): the relative link is computed from there.
    """
    project = project.resolve()
    anchor = (final_project or project).resolve()
    if not DATASET_NAME.match(name) or name in {".", ".."}:
        raise UserError(f"Dataset name '{name}' must be a plain name (letters, digits, _ . -).")
    source = source.expanduser().resolve()
    if not source.exists():
        raise UserError(f"Dataset source '{source}' does not exist.")
    if source == anchor or anchor in source.parents or project in source.parents:
        raise UserError(f"Dataset source '{source}' is inside the project; keep raw data outside.")
    link = project / "data" / name
    if link.exists() or link.is_symlink():
        raise UserError(f"'data/{name}' already exists; choose another name or unlink it first.")
    target = os.path.relpath(source, anchor / "data")
    manifest = compute_manifest(source)
    registry = load_registry(project)
    if name in registry["datasets"]:
        raise UserError(f"Dataset '{name}' is already registered in data/datasets.yaml.")
    link.parent.mkdir(parents=True, exist_ok=True)
    link.symlink_to(target, target_is_directory=source.is_dir())
    if protect:
        set_read_only(source)
    registry["datasets"][name] = {
        "source": target,
        "protected": protect,
        "linked_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "manifest": manifest.as_dict(),
    }
    save_registry(project, registry)
    return LinkedDataset(name, Path("data") / name, target, manifest, protect)
