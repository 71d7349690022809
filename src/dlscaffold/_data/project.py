"""Where a project is, and where its datasets live inside it."""

from __future__ import annotations

from pathlib import Path

import yaml

from dlscaffold._data.registry import REGISTRY_RELPATH
from dlscaffold._project import nearest_folder_with
from dlscaffold._yaml import safe_load
from dlscaffold.errors import UserError

ANSWERS_FILE = ".copier-answers.yml"
DATA_DIR = "data"
DEFAULT_CONFIG = Path("configs") / "default.yaml"


def find_project(start: str | Path | None = None) -> Path:
    """Return the project root at or above `start` (default: the current folder).

    The root is the nearest folder holding `.copier-answers.yml` or `data/datasets.yaml`.

    Raises:
        UserError: `start` does not exist, or no folder at or above it is a project.
    """
    origin = Path.cwd() if start is None else Path(start).expanduser()
    if not origin.is_dir():
        raise UserError(f"Project folder '{origin}' does not exist or is not a folder.")
    origin = origin.resolve()
    found = nearest_folder_with(origin, ANSWERS_FILE, REGISTRY_RELPATH)
    if found is not None:
        return found
    raise UserError(
        f"No dlscaffold project at or above '{origin}' (no {ANSWERS_FILE} or "
        f"{REGISTRY_RELPATH.as_posix()}); run inside a project or pass its folder."
    )


def inspect_command(project: Path, name: str | None = None) -> str:
    """Return the command that shows dataset `name`'s samples and class balance in `project`.

    `inspect-data` shows the dataset of the project's config (`configs/default.yaml`); any
    other dataset needs the overrides that point the config at it.
    """
    package = "<package>"
    try:
        answers = safe_load((project / ANSWERS_FILE).read_text(encoding="utf-8"))
        if isinstance(answers, dict) and isinstance(answers.get("package_name"), str):
            package = answers["package_name"]
    except (OSError, yaml.YAMLError):
        pass
    command = f"python -m {package} inspect-data"
    if name is None or _configured_dataset(project) == (name, f"{DATA_DIR}/{name}"):
        return command
    return f"{command} data.name={name} data.root={DATA_DIR}/{name}"


def _configured_dataset(project: Path) -> tuple[str, str] | None:
    """Return `(data.name, data.root)` of the project's default config, when readable."""
    try:
        config = safe_load((project / DEFAULT_CONFIG).read_text(encoding="utf-8"))
        data = config["data"]
        return str(data["name"]), str(data["root"]).removeprefix("./")
    except (OSError, yaml.YAMLError, KeyError, TypeError):
        return None


def link_path(project: Path, name: str) -> Path:
    """Return the link `data/<name>` of dataset `name`."""
    return project / DATA_DIR / name


def link_target(link: Path) -> str | None:
    """Return the target written in `link`, or None when it is not a symlink."""
    try:
        return link.readlink().as_posix()
    except OSError:
        return None


def source_path(project: Path, name: str, recorded_source: str | None) -> Path | None:
    """Return the absolute source folder of a dataset: from its link, else from the registry."""
    target = link_target(link_path(project, name)) or recorded_source
    if not target:
        return None
    return (project / DATA_DIR / target).resolve()
