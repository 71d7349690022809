"""`list`: what the registry knows of each dataset, and whether its link works.

Reads only the registry, this machine's activity file and the links (no walk of the data),
so it is instant even for huge datasets; `verify` is what looks at the files.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from dlscaffold._data.activity import activity_of, load_activity
from dlscaffold._data.manifest import Manifest
from dlscaffold._data.project import DATA_DIR, link_path, link_target
from dlscaffold._data.registry import load_registry


@dataclass(frozen=True)
class DatasetInfo:
    """One row of `data list`.

    Attributes:
        name: The dataset (its link is `data/<name>`).
        target: The link's target, else the source recorded in the registry.
        exists: Whether `data/<name>` leads to an existing folder.
        registered: Whether the registry knows it (False: a link made by hand).
        manifest: The recorded summary (files, bytes), if any.
        protected: Whether it was linked with protection (None: unknown).
        verified_at: When `verify` last found it unchanged on this machine, if ever.
        inspected_at: When the project's `inspect-data` last showed it here, if ever.
    """

    name: str
    target: str | None
    exists: bool
    registered: bool
    manifest: Manifest | None = None
    protected: bool | None = None
    verified_at: str | None = None
    inspected_at: str | None = None


@dataclass(frozen=True)
class DatasetList:
    """The result of `list_datasets`."""

    project: Path
    datasets: tuple[DatasetInfo, ...]


def list_datasets(project: str | Path) -> DatasetList:
    """Describe every registered dataset of `project`, then any unregistered link in data/."""
    project = Path(project).resolve()
    registered = load_registry(project)["datasets"]
    activity = load_activity(project)
    rows = []
    for name, entry in registered.items():
        link = link_path(project, str(name))
        protected = entry.get("protected")
        done = activity_of(entry, activity.get(str(name)))
        rows.append(
            DatasetInfo(
                name=str(name),
                target=link_target(link) or entry.get("source"),
                exists=link.is_dir(),
                registered=True,
                manifest=Manifest.from_dict(entry.get("manifest")),
                protected=protected if isinstance(protected, bool) else None,
                verified_at=done["verified_at"],
                inspected_at=done["inspected_at"],
            )
        )
    rows.extend(
        DatasetInfo(link.name, link_target(link), link.is_dir(), registered=False)
        for link in unregistered_links(project, set(registered))
    )
    return DatasetList(project, tuple(rows))


def unregistered_links(project: Path, registered: set[str]) -> list[Path]:
    """Return the links in `data/` that the registry does not know, sorted."""
    data_dir = project / DATA_DIR
    if not data_dir.is_dir():
        return []
    return sorted(
        path
        for path in data_dir.iterdir()
        if path.is_symlink() and path.name not in registered and not path.name.startswith(".")
    )
