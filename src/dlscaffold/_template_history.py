"""Record a template folder's versions in a git bundle (the form dlscaffold ships).

The bundle is append-only: each call that finds the folder changed adds one commit on top
of the bundle's history and tags it, so every version a project was ever generated from
stays resolvable by `copier update`. Run it after changing `templates/default`:

    python -m dlscaffold._template_history

Tags are PEP 440 versions: `v<package version>` for the first template change of a
release, then `v<package version>.post<N>` for later changes within the same release,
which sort after it as copier expects.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

from dlscaffold._git import git

IGNORED_NAMES = ("__pycache__", "*.pyc", ".git", ".ruff_cache", ".pytest_cache", ".DS_Store")
IDENTITY_ENV = {
    "GIT_AUTHOR_NAME": "dlscaffold",
    "GIT_AUTHOR_EMAIL": "dlscaffold@localhost",
    "GIT_COMMITTER_NAME": "dlscaffold",
    "GIT_COMMITTER_EMAIL": "dlscaffold@localhost",
}


def record_version(template_dir: Path, bundle: Path, *, version: str) -> str | None:
    """Append `template_dir` to `bundle` as a new tagged version when it changed.

    Returns the new tag, or None when the bundle's newest version already equals the folder.
    """
    with tempfile.TemporaryDirectory(prefix="dlscaffold-history-") as tmp:
        repo = Path(tmp) / "repo"
        if bundle.exists():
            git("clone", "--quiet", "--", str(bundle.resolve()), str(repo), cwd=Path(tmp))
            git("rm", "-r", "--quiet", ".", cwd=repo)
        else:
            git("init", "--quiet", "--initial-branch=main", "--", str(repo), cwd=Path(tmp))
        shutil.copytree(
            template_dir, repo, symlinks=True, dirs_exist_ok=True,
            ignore=shutil.ignore_patterns(*IGNORED_NAMES),
        )  # fmt: skip
        git("add", "--all", cwd=repo)
        if bundle.exists() and not git("status", "--porcelain", cwd=repo).strip():
            return None
        tag = _free_tag(repo, version)
        git("commit", "--quiet", "-m", f"Template {tag}", cwd=repo, env=IDENTITY_ENV)
        git("tag", "--end-of-options", tag, cwd=repo)
        out = Path(tmp) / "out.bundle"
        git("bundle", "create", "--quiet", str(out), "--all", cwd=repo)
        bundle.parent.mkdir(parents=True, exist_ok=True)
        staged = bundle.with_name(bundle.name + ".tmp")
        shutil.copyfile(out, staged)
        os.replace(staged, bundle)
        return tag


def _free_tag(repo: Path, version: str) -> str:
    tags = set(git("tag", "--list", cwd=repo).split())
    tag, post = f"v{version}", 0
    while tag in tags:
        post += 1
        tag = f"v{version}.post{post}"
    return tag


def main() -> None:
    """Record the repository's default template in the shipped bundle."""
    from dlscaffold import __version__
    from dlscaffold._templates import shipped_bundle

    root = Path(__file__).resolve().parents[2]
    tag = record_version(root / "templates" / "default", shipped_bundle(), version=__version__)
    print(f"recorded template version {tag}" if tag else "template unchanged", file=sys.stderr)


if __name__ == "__main__":
    main()
