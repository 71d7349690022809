"""Run `dlscaffold update` and a real `copier update` on twin projects and compare them.

A project is generated once with copier (from a tagged template repository), edited and
committed like a user would, then copied byte for byte (`.git` included) into a second
folder of the same name. One twin is updated by `dlscaffold update --defaults`, the other by
`copier update --conflict inline --defaults --trust`, both as real subprocesses. The
comparison covers every path outside `.git` (content, mode, symlink target) and
`git status --porcelain`, and returns what differs so that a test can require it to be
exactly the deliberate differences docs/update.md lists.

No tests here: pytest collects this module and finds none.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from helpers import git, tree_digest
from test_update_support import Spec, build_template, commit_all

REPO_SRC = Path(__file__).resolve().parents[1] / "src"


@dataclass(frozen=True)
class Twins:
    """Two identical projects: `ours` for dlscaffold, `theirs` for copier."""

    ours: Path
    theirs: Path


@dataclass(frozen=True)
class Outcome:
    """What each tool printed and how it exited."""

    ours: subprocess.CompletedProcess[str]
    theirs: subprocess.CompletedProcess[str]


def make_template(root: Path, versions: Mapping[str, Spec]) -> Path:
    """A template git repository with one tagged commit per version (tags as given)."""
    return build_template(root, dict(versions))


def copier_copy(
    template: Path, dest: Path, *, vcs_ref: str, data: Mapping[str, Any], env: Mapping[str, str]
) -> None:
    """Generate a project with the real copier CLI, then make it a git repository."""
    args = ["copy", "--defaults", "--trust", "--quiet", "--vcs-ref", vcs_ref]
    for key, value in data.items():
        args += ["--data", f"{key}={value}"]
    _run(
        [sys.executable, "-m", "copier", *args, str(template), str(dest)], cwd=dest.parent, env=env
    )
    git("init", "--quiet", cwd=dest)
    commit_all(dest, "generated")


def twin_projects(
    tmp_path: Path,
    template: Path,
    *,
    vcs_ref: str,
    data: Mapping[str, Any] | None = None,
    edit: Callable[[Path], None] | None = None,
    env: Mapping[str, str] | None = None,
    name: str = "proj",
) -> Twins:
    """Generate a project at `vcs_ref`, apply the user's `edit` and commit, then copy it."""
    ours = tmp_path / "ours" / name
    ours.parent.mkdir()
    copier_copy(template, ours, vcs_ref=vcs_ref, data=data or {}, env=env or {})
    if edit is not None:
        edit(ours)
        git("add", "--all", cwd=ours)
        if git("status", "--porcelain", cwd=ours).strip():
            commit_all(ours, "user edits")
    theirs = tmp_path / "theirs" / name
    theirs.parent.mkdir()
    shutil.copytree(ours, theirs, symlinks=True)
    return Twins(ours, theirs)


def update_both(twins: Twins, *args: str, env: Mapping[str, str] | None = None) -> Outcome:
    """`dlscaffold update --defaults ARGS` on ours, `copier update ... ARGS` on theirs."""
    ours = _run(
        [sys.executable, "-m", "dlscaffold", "update", "--defaults", "--trust", *args],
        cwd=twins.ours, env=env or {}, check=False,
    )  # fmt: skip
    theirs = _run(
        [sys.executable, "-m", "copier", "update", "--conflict", "inline", "--defaults",
         "--trust", "--quiet", *args],
        cwd=twins.theirs, env=env or {},
    )  # fmt: skip
    return Outcome(ours, theirs)


def differences(twins: Twins) -> dict[str, tuple[str | None, str | None]]:
    """Map each path whose content, mode or link target differs to (ours, theirs).

    `git status` differences are keyed as `git-status:PATH` with the two status codes.
    """
    ours, theirs = (_without_git(tree_digest(p)) for p in (twins.ours, twins.theirs))
    found: dict[str, tuple[str | None, str | None]] = {
        path: (ours.get(path), theirs.get(path))
        for path in sorted(ours.keys() | theirs.keys())
        if ours.get(path) != theirs.get(path)
    }
    ours_status, theirs_status = (_status(p) for p in (twins.ours, twins.theirs))
    for path in sorted(ours_status.keys() | theirs_status.keys()):
        if ours_status.get(path) != theirs_status.get(path):
            found[f"git-status:{path}"] = (ours_status.get(path), theirs_status.get(path))
    return found


def _status(project: Path) -> dict[str, str]:
    out = git("status", "--porcelain", "--untracked-files=all", "-z", cwd=project)
    return {entry[3:]: entry[:2] for entry in out.split("\0") if entry}


def _without_git(digest: dict[str, str]) -> dict[str, str]:
    return {
        path: value
        for path, value in digest.items()
        if path != ".git" and not path.startswith(".git/")
    }


def _run(
    args: list[str], *, cwd: Path, env: Mapping[str, str], check: bool = True
) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, "PYTHONPATH": _pythonpath(env), "COLUMNS": "200"}
    full_env.update({k: v for k, v in env.items() if k != "PYTHONPATH"})
    proc = subprocess.run(
        args, cwd=cwd, env=full_env, capture_output=True, text=True, stdin=subprocess.DEVNULL
    )
    if check and proc.returncode != 0:
        raise AssertionError(f"{args} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    return proc


def _pythonpath(env: Mapping[str, str]) -> str:
    parts = [str(REPO_SRC), env.get("PYTHONPATH", ""), os.environ.get("PYTHONPATH", "")]
    return os.pathsep.join(part for part in parts if part)
