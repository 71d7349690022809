"""The tracked registry of linked datasets: `data/datasets.yaml` in each project."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from dlscaffold._fs import atomic_write_text

REGISTRY_RELPATH = Path("data") / "datasets.yaml"
HEADER = (
    "# Datasets linked into data/ by `dlscaffold data link`. Tracked by git; "
    "do not store data here.\n"
)


def load_registry(project: Path) -> dict[str, Any]:
    """Return the registry of `project` (an empty one when the file does not exist)."""
    path = project / REGISTRY_RELPATH
    if not path.is_file():
        return {"version": 1, "datasets": {}}
    content = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    content.setdefault("version", 1)
    content["datasets"] = content.get("datasets") or {}
    return content


def save_registry(project: Path, registry: dict[str, Any]) -> None:
    """Write the registry atomically, so an interruption never leaves half a file."""
    path = project / REGISTRY_RELPATH
    path.parent.mkdir(parents=True, exist_ok=True)
    text = HEADER + yaml.safe_dump(registry, sort_keys=False, default_flow_style=False)
    atomic_write_text(path, text)
