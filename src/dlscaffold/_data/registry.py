"""The tracked registry of linked datasets: `data/datasets.yaml` in each project.

The format is shared with the generated project (its `inspect-data` writes `inspected_at`,
its training snapshot reads `manifest`), so unknown keys are kept as they are.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from dlscaffold._data.names import is_plain_name
from dlscaffold._fs import atomic_write_text
from dlscaffold._yaml import safe_load
from dlscaffold.errors import UserError

REGISTRY_RELPATH = Path("data") / "datasets.yaml"
REGISTRY_VERSION = 1
HEADER = (
    "# Datasets linked into data/ by `dlscaffold data link`. Tracked by git; "
    "do not store data here.\n"
)


def now_iso() -> str:
    """Return the current UTC time as the registry writes it (`2026-11-28T07:30:00+00:00`)."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def load_registry(project: Path) -> dict[str, Any]:
    """Return the registry of `project` (an empty one when the file does not exist).

    Raises:
        UserError: The file is not valid YAML or not a registry of a known version.
    """
    path = project / REGISTRY_RELPATH
    if not path.is_file():
        return {"version": REGISTRY_VERSION, "datasets": {}}
    try:
        content = safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark is not None else ""
        raise _invalid(f"is not valid YAML{where}") from error
    if not isinstance(content, dict):
        raise _invalid("is not a mapping")
    content.setdefault("version", REGISTRY_VERSION)
    if content["version"] != REGISTRY_VERSION:
        raise _invalid(f"has version {content['version']!r}; this dlscaffold reads version 1")
    datasets = content.get("datasets") or {}
    if not isinstance(datasets, dict) or not all(isinstance(v, dict) for v in datasets.values()):
        raise _invalid("has a 'datasets' entry that is not a mapping of names to mappings")
    for name in datasets:
        if not isinstance(name, str) or not is_plain_name(name):
            # Names become paths (data/<name>, data/.manifests/<name>.json): a registry
            # from someone else's clone must not send them outside data/.
            raise _invalid(f"has a dataset name that is not a plain name: {name!r}")
    content["datasets"] = datasets
    return content


def save_registry(project: Path, registry: dict[str, Any]) -> None:
    """Write the registry atomically, so an interruption never leaves half a file."""
    path = project / REGISTRY_RELPATH
    path.parent.mkdir(parents=True, exist_ok=True)
    text = HEADER + yaml.safe_dump(registry, sort_keys=False, default_flow_style=False)
    atomic_write_text(path, text)


def _invalid(problem: str) -> UserError:
    return UserError(
        f"{REGISTRY_RELPATH.as_posix()} {problem}; fix it or restore it with "
        f"'git checkout -- {REGISTRY_RELPATH.as_posix()}'."
    )
