"""Data problems for `dlscaffold check`: broken or absolute links, changed or unseen data.

Fast by design (the whole check targets under half a second): it reads the registry, this
machine's activity file, the links and one `lstat` per file for the fast summary; it never
reads file contents.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dlscaffold._data.activity import activity_of, load_activity
from dlscaffold._data.listing import unregistered_links
from dlscaffold._data.manifest import Manifest, compute_manifest
from dlscaffold._data.project import DATA_DIR, inspect_command, link_path, link_target
from dlscaffold._data.protect import WRITE_BITS
from dlscaffold._data.registry import REGISTRY_RELPATH, load_registry
from dlscaffold.errors import UserError

# Files a project keeps in data/ itself; anything else that is not a link is copied data.
_OWN_FILES = frozenset({"README.md", "datasets.yaml", ".gitkeep"})


@dataclass(frozen=True)
class DatasetProblem:
    """One problem with the data of a project.

    Attributes:
        id: A stable identifier, such as `data-missing-target`.
        message: What is wrong, in one sentence.
        hint: What to do about it, in one sentence.
        path: The file or link concerned, relative to the project root.
    """

    id: str
    message: str
    hint: str
    path: Path


def dataset_problems(project: str | Path) -> list[DatasetProblem]:
    """Return the data problems of the project at `project`, registered datasets first."""
    project = Path(project)
    try:
        datasets = load_registry(project)["datasets"]
    except UserError as error:
        return [
            DatasetProblem(
                "data-registry-invalid", str(error), "Restore it from git.", REGISTRY_RELPATH
            )
        ]
    problems: list[DatasetProblem] = []
    activity = load_activity(project)
    for name, entry in datasets.items():
        done = activity_of(entry, activity.get(str(name)))
        problems.extend(_registered_problems(project, str(name), entry, done))
    for link in unregistered_links(project, set(datasets)):
        problems.extend(_link_problems(project, link.name))
        problems.append(
            DatasetProblem(
                "data-unregistered-link",
                f"{DATA_DIR}/{link.name} is a link that data/datasets.yaml does not record.",
                f"Run 'dlscaffold data unlink {link.name}', then 'dlscaffold data link "
                f"{link.name} SOURCE' to link it with a manifest.",
                Path(DATA_DIR) / link.name,
            )
        )
    problems.extend(_copied_in(project))
    return problems


def _registered_problems(
    project: Path, name: str, entry: dict[str, Any], done: dict[str, str | None]
) -> list[DatasetProblem]:
    link_problems = _link_problems(project, name)
    if link_problems:
        return link_problems
    relpath = Path(DATA_DIR) / name
    problems: list[DatasetProblem] = []
    recorded = Manifest.from_dict(entry.get("manifest"))
    try:
        current = compute_manifest(link_path(project, name))
    except UserError as error:
        return [
            DatasetProblem("data-unreadable", str(error), "Give yourself read access.", relpath)
        ]
    if current != recorded:
        was = f"{recorded.files} files, {recorded.bytes} bytes" if recorded else "no manifest"
        problems.append(
            DatasetProblem(
                "data-changed",
                f"{relpath} differs from its record ({was} recorded; "
                f"{current.files} files, {current.bytes} bytes now).",
                f"Run 'dlscaffold data verify {name}' to see which files; --accept records "
                "a deliberate change.",
                relpath,
            )
        )
    if entry.get("protected") and _writable(link_path(project, name)):
        problems.append(
            DatasetProblem(
                "data-unprotected",
                f"The source of {relpath} was protected when linked but is writable now.",
                "Make it read-only again: chmod -R a-w SOURCE.",
                relpath,
            )
        )
    if not done["verified_at"]:
        problems.append(
            DatasetProblem(
                "data-never-verified",
                f"{relpath} was never verified against its manifest.",
                f"Run 'dlscaffold data verify {name}'.",
                relpath,
            )
        )
    if not done["inspected_at"]:
        problems.append(
            DatasetProblem(
                "data-never-inspected",
                f"Nobody looked at {relpath} yet (random samples, class balance).",
                f"Run '{inspect_command(project, name)}' before training.",
                relpath,
            )
        )
    return problems


def _link_problems(project: Path, name: str) -> list[DatasetProblem]:
    """Return the problems of the link itself: missing, absolute, or leading nowhere."""
    link = link_path(project, name)
    relpath = Path(DATA_DIR) / name
    target = link_target(link)
    if target is None:
        if link.is_dir():
            return []  # a real folder: reported once, by _copied_in
        return [
            DatasetProblem(
                "data-missing-link",
                f"{relpath} is recorded in data/datasets.yaml but the link does not exist.",
                f"Link it again: 'dlscaffold data unlink {name}' then 'dlscaffold data link "
                f"{name} SOURCE'.",
                relpath,
            )
        ]
    problems = []
    if Path(target).is_absolute():
        problems.append(
            DatasetProblem(
                "data-absolute-link",
                f"{relpath} links to the absolute path {target}; the project breaks when moved.",
                f"Relink it: 'dlscaffold data unlink {name}' then 'dlscaffold data link "
                f"{name} {target}' (links are relative).",
                relpath,
            )
        )
    if not link.is_dir():
        problems.append(
            DatasetProblem(
                "data-missing-target",
                f"{relpath} links to {target}, which does not exist on this machine.",
                "Put the dataset there (same layout as where the project was made) or relink it.",
                relpath,
            )
        )
    return problems


def _copied_in(project: Path) -> list[DatasetProblem]:
    data_dir = project / DATA_DIR
    if not data_dir.is_dir():
        return []
    return [
        DatasetProblem(
            "data-copied-in",
            f"{DATA_DIR}/{path.name} is data copied into the project, not a link.",
            "Move it outside the project and link it: 'dlscaffold data link NAME SOURCE'.",
            Path(DATA_DIR) / path.name,
        )
        for path in sorted(data_dir.iterdir())
        if not path.is_symlink() and not path.name.startswith(".") and path.name not in _OWN_FILES
    ]


def _writable(root: Path) -> bool:
    """Tell whether the dataset's top folder is writable (the cheap sign of no protection)."""
    return bool(root.stat().st_mode & WRITE_BITS)
