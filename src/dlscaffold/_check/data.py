"""Data habits: the dataset module's problems, and no data, logs or models tracked by git."""

from __future__ import annotations

from pathlib import Path

from dlscaffold._check.findings import Finding, group_of
from dlscaffold._git import git

# mlruns/: the generated project's local MLflow store (`logger: [mlflow]`).
ARTIFACT_DIRS = ("data", "logs", "models", "mlruns")
# Placeholders and manifests that belong in git even under those folders.
ALLOWED_NAMES = frozenset({".gitkeep", ".gitignore", "README.md", "datasets.yaml"})


def check_tracked_artifacts(project: Path) -> list[Finding]:
    """Report files git tracks under data/, logs/, models/ or mlruns/ (besides placeholders).

    Dataset links under data/ are tracked on purpose (a clone finds its data through them);
    git records them as symlinks (mode 120000), which are not data.
    """
    out = git("ls-files", "-z", "--stage", "--", *ARTIFACT_DIRS, cwd=project, check=False)
    tracked = []
    for record in filter(None, out.split("\0")):
        meta, _, rel = record.partition("\t")
        if not (meta.startswith("120000") and rel.startswith("data/")):
            tracked.append(rel)
    return [
        Finding(
            "tracked-artifact",
            "data",
            f"{rel} is tracked by git.",
            f"Untrack it (`git rm --cached -r {rel}`) and keep {rel.split('/')[0]}/ in .gitignore.",
            rel,
        )
        for rel in sorted(tracked)
        if rel.rsplit("/", 1)[-1] not in ALLOWED_NAMES
    ]


def check_datasets(project: Path) -> list[Finding]:
    """Findings of the dataset module (manifests, protection), when it is installed."""
    try:
        from dlscaffold._data.health import dataset_problems
    except ImportError:
        return []
    return [
        Finding(str(p.id), group_of(str(p.id)), str(p.message), str(p.hint), _rel(project, p.path))
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
