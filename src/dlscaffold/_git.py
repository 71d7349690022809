"""Thin helpers around the git command line.

dlscaffold shells out to git (as copier does) instead of using a git library: git is
already a requirement of copier's versioned templates and behaves exactly as users expect.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Sequence
from pathlib import Path

from dlscaffold.errors import GitError

# Used only when the user has no git identity, so that the first commit never fails.
FALLBACK_IDENTITY = {"name": "dlscaffold", "email": "dlscaffold@localhost"}


def git(*args: str, cwd: Path, check: bool = True, env: dict[str, str] | None = None) -> str:
    """Run `git ARGS` in `cwd` and return its stdout; raise `GitError` on failure."""
    full_env = {**os.environ, **env} if env else None
    proc = subprocess.run(
        ["git", *args], cwd=cwd, capture_output=True, text=True, env=full_env, check=False
    )
    if check and proc.returncode != 0:
        raise GitError(command=list(args), stderr=proc.stderr or proc.stdout)
    return proc.stdout


def config_values(*keys: str, cwd: Path) -> dict[str, str]:
    """Return git's effective values of `keys` in one call (unset keys are left out)."""
    pattern = "^(" + "|".join(key.lower().replace(".", r"\.") for key in keys) + ")$"
    out = git("config", "--get-regexp", pattern, cwd=cwd, check=False)
    values: dict[str, str] = {}
    for line in out.splitlines():
        key, _, value = line.partition(" ")
        values[key] = value  # the last one wins, as for `git config --get`
    return values


def is_repo_root(path: Path) -> bool:
    """Tell whether `path` is the top folder of a git work tree."""
    if not (path / ".git").exists():
        return False
    top = git("rev-parse", "--show-toplevel", cwd=path, check=False).strip()
    return bool(top) and Path(top).resolve() == path.resolve()


def is_clean(path: Path) -> bool:
    """Tell whether the work tree at `path` has no changes and no untracked files."""
    return git("status", "--porcelain", cwd=path).strip() == ""


def in_work_tree(path: Path) -> bool:
    """Tell whether `path` lies inside a git work tree."""
    out = git("rev-parse", "--is-inside-work-tree", cwd=path, check=False)
    return out.strip() == "true"


def stage(path: Path, *relpaths: str, removed: Sequence[str] = ()) -> bool:
    """Stage `relpaths` (even if ignored) and the removal of `removed`, inside a work tree.

    Dataset links live under the ignored `data/` folder but belong in git: a clone with the
    same data layout then finds its data. Returns False (and does nothing) outside git.
    """
    if not in_work_tree(path):
        return False
    if relpaths:
        git("add", "--force", "--", *relpaths, cwd=path)
    if removed:
        git("rm", "--cached", "--quiet", "--ignore-unmatch", "--", *removed, cwd=path)
    return True


def init_repo(path: Path) -> None:
    """Make `path` a git repository of its own, on the user's default branch (else `main`).

    Done before anything is written into a staging folder: inside a parent repository, a
    nested repository keeps every `git` call here (staging links, reading the identity) away
    from the parent's index and local config.
    """
    git("init", "--quiet", cwd=path)
    if not config_values("init.defaultBranch", cwd=path):
        git("symbolic-ref", "HEAD", "refs/heads/main", cwd=path)


def commit_all(path: Path, *, message: str) -> str:
    """Commit everything in the repository at `path` (ignored files stay out); return the commit.

    The user's own identity is used when configured. Without one a neutral identity is used,
    so that generation never fails on a fresh machine.
    """
    config = config_values("user.name", "user.email", cwd=path)
    env = {}
    if not config.get("user.name") and not os.environ.get("GIT_AUTHOR_NAME"):
        env["GIT_AUTHOR_NAME"] = env["GIT_COMMITTER_NAME"] = FALLBACK_IDENTITY["name"]
    if not config.get("user.email") and not os.environ.get("GIT_AUTHOR_EMAIL"):
        env["GIT_AUTHOR_EMAIL"] = env["GIT_COMMITTER_EMAIL"] = FALLBACK_IDENTITY["email"]
    git("add", "--all", cwd=path)
    # No hooks or signing prompts for a generated commit; empty templates still get a base.
    commit_args = ["commit", "--quiet", "--no-verify", "--allow-empty", "-m", message]
    git("-c", "commit.gpgsign=false", *commit_args, cwd=path, env=env)
    return git("rev-parse", "HEAD", cwd=path).strip()
