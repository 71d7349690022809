"""Per-machine activity of each dataset: when `verify` passed and `inspect-data` showed it.

These facts are about one machine's work, not about the data, so they stay out of the
tracked registry (writing them there would leave the tree dirty after every `verify` or
`inspect-data`): they live in `data/.manifests/_activity.json`, ignored by git, shared with
the generated project's `utils/registry.py`. The name cannot be a dataset's records file
(`<name>.json`), since dataset names start with a letter or a digit.

Registries written before this file existed may still hold the keys; they are read as a
fallback and never written.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from dlscaffold._data.records import ensure_records_dir, records_dir
from dlscaffold._fs import atomic_write_text

ACTIVITY_FILE = "_activity.json"
ACTIVITY_VERSION = 1
ACTIVITY_KEYS = ("verified_at", "inspected_at", "inspected_fingerprint")


def activity_path(project: Path) -> Path:
    """Return the activity file of `project`."""
    return records_dir(project) / ACTIVITY_FILE


def load_activity(project: Path) -> dict[str, dict[str, str]]:
    """Return `{dataset: {key: value}}`; an absent or unreadable file reads as empty."""
    try:
        raw = json.loads(activity_path(project).read_text(encoding="utf-8"))
        datasets = raw["datasets"] if raw.get("version") == ACTIVITY_VERSION else {}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return {}
    if not isinstance(datasets, dict):
        return {}
    return {
        str(name): {k: str(v) for k, v in values.items() if k in ACTIVITY_KEYS and v}
        for name, values in datasets.items()
        if isinstance(values, dict)
    }


def activity_of(entry: dict[str, Any], recorded: dict[str, str] | None) -> dict[str, str | None]:
    """Return the activity of one dataset: this machine's record, else the registry's old keys."""
    recorded = recorded or {}
    result: dict[str, str | None] = {}
    for key in ACTIVITY_KEYS:
        value = recorded.get(key) or entry.get(key)
        result[key] = None if not value else str(value)
    return result


def record_activity_many(project: Path, values: dict[str, dict[str, str]]) -> None:
    """Set `{dataset: {key: value}}` (keys among `ACTIVITY_KEYS`) in one atomic write."""
    activity = load_activity(project)
    for name, update in values.items():
        activity.setdefault(name, {}).update(update)
    _save(project, activity)


def forget_activity(project: Path, name: str) -> None:
    """Drop what this machine recorded of dataset `name` (when it is unlinked)."""
    activity = load_activity(project)
    if activity.pop(name, None) is not None:
        _save(project, activity)


def _save(project: Path, activity: dict[str, dict[str, str]]) -> None:
    ensure_records_dir(project)
    content = {"version": ACTIVITY_VERSION, "datasets": activity}
    atomic_write_text(activity_path(project), json.dumps(content, indent=1, sort_keys=True) + "\n")
