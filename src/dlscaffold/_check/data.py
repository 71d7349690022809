"""Dataset links under data/ are relative and resolve; no data, logs or models in git."""

from __future__ import annotations

import os
from pathlib import Path

from dlscaffold._check.findings import Finding
from dlscaffold._git import git

ARTIFACT_DIRS = ("data", "logs", "models")
# Placeholders and manifests that belong in git even under those folders.
ALLOWED_NAMES = frozenset({".gitkeep", ".gitignore", "README.md", "datasets.yaml"})


def check_links(project: Path) -> list[Finding]:
    """Report absolute or broken symlinks under data/ (linked folders are not entered)."""
    findings = []
    root = project / "data"
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            path = Path(dirpath) / name
            if not path.is_symlink():
                continue
            rel, target = path.relative_to(project).as_posix(), str(path.readlink())
            if Path(target).is_absolute():
                findings.append(
                    Finding(
                        "data-link-absolute",
                        "data",
                        f"{rel} links to an absolute path ({target}).",
                        "Relink it relatively: `dlscaffold data link NAME SOURCE`.",
                        rel,
                    )
                )
            if not path.exists():
                findings.append(
                    Finding(
                        "data-link-broken",
                        "data",
                        f"{rel} points to {target}, which does not exist.",
                        "Mount or restore the dataset, or relink it with `dlscaffold data link`.",
                        rel,
                    )
                )
    return findings


def check_tracked_artifacts(project: Path) -> list[Finding]:
    """Report files git tracks under data/, logs/ or models/ (besides placeholders)."""
    out = git("ls-files", "-z", "--", *ARTIFACT_DIRS, cwd=project, check=False)
    return [
        Finding(
            "tracked-artifact",
            "data",
            f"{rel} is tracked by git.",
            f"Untrack it (`git rm --cached -r {rel}`) and keep {rel.split('/')[0]}/ in .gitignore.",
            rel,
        )
        for rel in sorted(filter(None, out.split("\0")))
        if rel.rsplit("/", 1)[-1] not in ALLOWED_NAMES
    ]


def check_datasets(project: Path) -> list[Finding]:
    """Findings of the dataset module (manifests, protection), when it is installed."""
    try:
        from dlscaffold._data.health import dataset_problems
    except ImportError:
        return []
    return [
        Finding(str(p.id), "data", str(p.message), str(p.hint), _rel(project, p.path))
        for p in dataset_problems(project)
    ]


def _rel(project: Path, path: object) -> str | None:
    if path is None:
        return None
    candidate = Path(str(path))
    try:
        return candidate.relative_to(project).as_posix() if candidate.is_absolute() else str(path)
    except ValueError:
        return str(path)
