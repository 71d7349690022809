"""No file holds leftover conflict markers."""

from __future__ import annotations

from pathlib import Path

from dlscaffold._check.findings import Finding
from dlscaffold._generated.markers import files_with_markers


def check_markers(project: Path) -> list[Finding]:
    """Report every tracked or untracked (not ignored) file with conflict markers."""
    return [
        Finding(
            "conflict-markers",
            "markers",
            f"{rel} holds conflict markers.",
            "Resolve the conflict (keep the right lines, delete the marker lines), then commit.",
            rel,
        )
        for rel in files_with_markers(project)
    ]
