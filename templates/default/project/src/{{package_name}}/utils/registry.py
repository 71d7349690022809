"""Read and update `data/datasets.yaml`, the git-tracked record of linked datasets.

The format is shared with `dlscaffold data`: `version: 1` and `datasets: {name: entry}`.
"""

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from .data_manifest import Manifest
from .files import atomic_write_text

HEADER = (
    "# Datasets linked into data/ by `dlscaffold data link`. Tracked by git; "
    "do not store data here.\n"
)


def now_iso() -> str:
    """UTC timestamp as written in the registry, e.g. 2026-11-28T07:30:00+00:00."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def read_registry(path: Path) -> dict[str, Any]:
    """The registry as a dict; an absent file reads as an empty registry."""
    if not path.is_file():
        return {"version": 1, "datasets": {}}
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    data.setdefault("version", 1)
    if not isinstance(data.get("datasets"), dict):
        data["datasets"] = {}
    return data


def write_registry(path: Path, data: dict[str, Any]) -> None:
    """Write atomically, keeping the header comment."""
    atomic_write_text(
        path, HEADER + yaml.safe_dump(data, sort_keys=False, default_flow_style=False)
    )


def registered_manifest(path: Path, name: str) -> dict[str, Any] | None:
    """The manifest recorded for dataset `name`, if any."""
    entry = read_registry(path)["datasets"].get(name)
    return entry.get("manifest") if isinstance(entry, dict) else None


def record_inspection(path: Path, name: str, dataset_root: Path, manifest: Manifest) -> None:
    """Record that dataset `name` was inspected, and the fingerprint it had then.

    A dataset linked by hand (not in the registry yet) gets an entry with its manifest.
    """
    data = read_registry(path)
    entry = data["datasets"].setdefault(name, {})
    if "source" not in entry and dataset_root.is_symlink():
        entry["source"] = dataset_root.readlink().as_posix()
    entry.setdefault("manifest", manifest.as_dict())
    entry["inspected_at"] = now_iso()
    entry["inspected_fingerprint"] = manifest.fingerprint
    write_registry(path, data)
