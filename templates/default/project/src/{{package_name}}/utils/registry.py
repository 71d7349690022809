"""Read `data/datasets.yaml`, the git-tracked record of linked datasets, and record inspections.

The format is shared with `dlscaffold data`: `version: 1` and `datasets: {name: entry}`, each
entry holding `source`, `protected`, `linked_at` and `manifest`. What happens on one machine
(when a dataset was inspected or verified) is not tracked: it goes to
`data/.manifests/_activity.json`, beside the per-machine records of `dlscaffold data`, so
that inspecting data never leaves uncommitted changes behind.
"""

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from ..errors import ProjectError
from .data_manifest import Manifest
from .files import atomic_write_text

HEADER = (
    "# Datasets linked into data/ by `dlscaffold data link`. Tracked by git; "
    "do not store data here.\n"
)
ACTIVITY_DIR = ".manifests"
ACTIVITY_FILE = "_activity.json"
IGNORE_ALL = "# Per-machine file records of `dlscaffold data`: never tracked.\n*\n"


def now_iso() -> str:
    """UTC timestamp as written in the registry, e.g. 2026-11-28T07:30:00+00:00."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def read_registry(path: Path) -> dict[str, Any]:
    """The registry as a dict; an absent file reads as an empty registry."""
    if not path.is_file():
        return {"version": 1, "datasets": {}}
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (yaml.YAMLError, UnicodeDecodeError) as err:
        reason = str(err).splitlines()[0]
        raise ProjectError(f"{path} is no valid UTF-8 YAML ({reason}): fix or restore it") from None
    if not isinstance(data, dict):
        raise ProjectError(f"{path} must hold a mapping (version, datasets): fix or restore it")
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


def activity_path(registry: Path) -> Path:
    """The per-machine activity file that goes with the registry at `registry`."""
    return registry.parent / ACTIVITY_DIR / ACTIVITY_FILE


def read_activity(registry: Path) -> dict[str, dict[str, str]]:
    """`{dataset: {key: value}}` of this machine; absent or unreadable reads as empty."""
    try:
        data = json.loads(activity_path(registry).read_text(encoding="utf-8"))
        datasets = data["datasets"] if data.get("version") == 1 else {}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return {}
    return datasets if isinstance(datasets, dict) else {}


def record_inspection(registry: Path, name: str, manifest: Manifest) -> Path:
    """Record, on this machine, that dataset `name` was inspected and its fingerprint then.

    The tracked registry is never written. Returns the activity file.
    """
    path = activity_path(registry)
    path.parent.mkdir(parents=True, exist_ok=True)
    ignore = path.parent / ".gitignore"
    if not ignore.exists():
        atomic_write_text(ignore, IGNORE_ALL)
    activity = read_activity(registry)
    entry = activity.setdefault(name, {})
    if not isinstance(entry, dict):
        entry = activity[name] = {}
    entry["inspected_at"] = now_iso()
    entry["inspected_fingerprint"] = manifest.fingerprint
    content = {"version": 1, "datasets": activity}
    atomic_write_text(path, json.dumps(content, indent=1, sort_keys=True) + "\n")
    return path
