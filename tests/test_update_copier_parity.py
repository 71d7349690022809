"""dlscaffold projects stay plain copier projects, and dlscaffold update merges as copier does.

Two identical projects made from v1 of a real tagged template repository, with the same user
edit, are brought to v2: one by `dlscaffold update`, one by a real `copier update`. Where
copier's algorithm is safe (no binary or symlink edited by the user), the trees must match.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from helpers import git, tree_digest
from test_update_support import MAIN_V1, commit_all, make_project, standard_template

from dlscaffold import update_project


def edit_like_a_user(project: Path) -> None:
    (project / "src/main.py").write_text(MAIN_V1.replace("line 15\n", "line 15 (mine)\n"))
    (project / "mine.txt").write_text("user file\n")
    commit_all(project)


def without_git(digest: dict[str, str]) -> dict[str, str]:
    return {path: value for path, value in digest.items() if not path.startswith(".git")}


def test_dlscaffold_update_matches_a_real_copier_update(tmp_path: Path) -> None:
    template = standard_template(tmp_path, upto=2)
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    ours = make_project(tmp_path / "a", template)
    theirs = make_project(tmp_path / "b", template)
    for project in (ours, theirs):
        edit_like_a_user(project)

    result = update_project(ours, defaults=True)
    copier = subprocess.run(
        [sys.executable, "-m", "copier", "update", "--defaults", "--trust", "--quiet"],
        cwd=theirs, capture_output=True, text=True,
    )  # fmt: skip

    assert copier.returncode == 0, copier.stderr
    assert result.new_version == "v2"
    assert without_git(tree_digest(ours)) == without_git(tree_digest(theirs))
    assert "line 15 (mine)" in (ours / "src/main.py").read_text()
    assert git("status", "--porcelain", cwd=ours) == git("status", "--porcelain", cwd=theirs)
