"""dlscaffold's own upgrade path: every earlier template version updates to the newest.

For each version in the shipped bundle but the newest: generate a project at that version,
make the edits a user typically makes (tests/user_edits.py: a tuned hyperparameter, a new
network with its config and test as the README says, an edited trainer line, a note, and a
second dataset linked with `dlscaffold data link`), commit, `dlscaffold update --defaults`
to the newest version, and then the project must work: its own tests pass, a short
training runs, `dlscaffold check` passes.

The update exits 0, or 5 where the template and the user changed the same lines of a file
the user edited; such a file is then resolved as a careful user would (the user's edit
re-applied to the new version's file) and nothing else may conflict.

`DLSCAFFOLD_UPGRADE_BUNDLE=/path/to/default.bundle` runs it on another bundle (to try a
template change before it is recorded). With one version in the bundle there is nothing
to upgrade from and the test is skipped, saying so.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from e2e_env import make_venv, pip_install_editable, run
from helpers import git
from user_edits import apply_edits, template_file_edits

from dlscaffold._generated.markers import files_with_markers
from dlscaffold._generated.source import list_versions
from dlscaffold._templates import DEFAULT_TEMPLATE_SRC, shipped_bundle

pytestmark = pytest.mark.slow

BUNDLE = Path(os.environ.get("DLSCAFFOLD_UPGRADE_BUNDLE") or shipped_bundle()).resolve()
VERSIONS = list_versions(str(BUNDLE))
PACKAGE = "proj"
EXIT_CONFLICTS = 5


def older_versions() -> list[object]:
    if len(VERSIONS) < 2:
        reason = (
            f"{BUNDLE.name} holds only {VERSIONS or 'no versions'}: no earlier released "
            "template version to upgrade from yet"
        )
        return [pytest.param(None, marks=pytest.mark.skip(reason=reason), id="none")]
    return VERSIONS[:-1]


def dlscaffold(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "dlscaffold", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "200"},
        timeout=600,
    )


@pytest.fixture(scope="module")
def venv_python(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One virtualenv for every version: each project is installed into it in turn."""
    return make_venv(tmp_path_factory.mktemp("upgrade") / "venv")


@pytest.fixture
def bundle(isolated_home: Path) -> Path:
    """The bundle under test, where `dlscaffold` looks for its default template."""
    target = Path(DEFAULT_TEMPLATE_SRC).expanduser()
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(BUNDLE, target)
    return target


def generate(parent: Path, version: str) -> Path:
    parent.mkdir(parents=True, exist_ok=True)
    created = dlscaffold("new", PACKAGE, "--defaults", "--vcs-ref", version, cwd=parent)
    assert created.returncode == 0, created.stderr
    return parent / PACKAGE


def unmerged_or_marked(project: Path) -> set[str]:
    unmerged = git("diff", "--name-only", "--diff-filter=U", cwd=project).split()
    return {*unmerged, *files_with_markers(project)}


def link_second_dataset(project: Path, tmp_path: Path) -> None:
    raw = tmp_path / "raw-second"
    for label in ("a", "b"):
        (raw / label).mkdir(parents=True)
        (raw / label / "0.png").write_bytes(f"not an image {label}".encode())
    linked = dlscaffold("data", "link", "second", str(raw), cwd=project)
    assert linked.returncode == 0, linked.stderr


@pytest.mark.parametrize("old", older_versions())
def test_a_used_project_updates_to_the_newest_version_and_still_works(
    tmp_path: Path, bundle: Path, venv_python: Path, old: str
) -> None:
    newest = VERSIONS[-1]
    project = generate(tmp_path / "work", old)
    generated = git("rev-parse", "HEAD", cwd=project).strip()
    edited = apply_edits(project, PACKAGE)
    link_second_dataset(project, tmp_path)
    git("add", "--all", cwd=project)
    git("commit", "--quiet", "-m", "my experiments", cwd=project)

    updated = dlscaffold("update", "--defaults", cwd=project)

    assert updated.returncode in (0, EXIT_CONFLICTS), updated.stdout + updated.stderr
    conflicted = unmerged_or_marked(project)
    assert (updated.returncode == EXIT_CONFLICTS) == bool(conflicted), updated.stderr
    if conflicted:
        fresh = generate(tmp_path / "fresh", newest)  # the new version, untouched
        edits = template_file_edits(PACKAGE)
        assert conflicted <= edited, f"conflicts in files the user never edited: {conflicted}"
        for rel in sorted(conflicted):
            before = git("show", f"{generated}:{rel}", cwd=project)
            assert (fresh / rel).read_text() != before, f"{rel}: conflict, template unchanged"
            (project / rel).write_text(edits[rel]((fresh / rel).read_text()))
    answers = yaml.safe_load((project / ".copier-answers.yml").read_text())
    assert answers["_commit"] == newest
    git("add", "--all", cwd=project)
    git("commit", "--quiet", "-m", f"update to template {newest}", cwd=project)

    pip_install_editable(venv_python, project)
    # The project's own quick loop, as its README names it (`slow` marks subprocess tests).
    quick = ("-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", "-m", "not slow")
    own_tests = run(venv_python, *quick, cwd=project)
    assert own_tests.returncode == 0, own_tests.stdout[-3000:] + own_tests.stderr[-2000:]
    debug = ("-m", PACKAGE, "train", "--config", "configs/debug.yaml")
    trained = run(venv_python, *debug, cwd=project)
    assert trained.returncode == 0, trained.stderr[-3000:]
    tiny = run(venv_python, *debug, "model=tiny", cwd=project)
    assert tiny.returncode == 0, tiny.stderr[-3000:]  # the user's network still trains

    checked = dlscaffold("check", "--json", cwd=project)
    report = json.loads(checked.stdout)["result"]
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert report["template_version"] == newest
    drift = {f["path"] for f in report["findings"] if f["group"] == "drift"}
    assert drift == edited, "the user's edits of template files are exactly what drifts"
    assert git("status", "--porcelain", cwd=project) == "", "runs leaked into tracked files"
