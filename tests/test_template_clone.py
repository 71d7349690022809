"""The local checkout that replaces copier's clone gives copier's files, and is really used.

`dlscaffold._template_clone` checks out a local template's version with `git clone --shared`
and `git checkout` (copier's clone runs about a dozen git processes). Proven here by what
users see: `dlscaffold new` at two versions of a template with an executable, a symlink and
a git submodule gives the tree `copier copy` gives; an update clones nothing the copier
way; and every case it does not handle is left to copier, leaving no folder behind.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from helpers import git, tree_digest
from test_update_support import ANSWERS, ANSWERS_BODY, Link, build_template, make_project

from dlscaffold._template_clone import CLONE_PREFIX, local_checkout

ROOT = Path(__file__).resolve().parents[1]
# Submodules from a local path need the `file` transport, which git refuses by default.
FILE_TRANSPORT = {
    "GIT_CONFIG_COUNT": "1",
    "GIT_CONFIG_KEY_0": "protocol.file.allow",
    "GIT_CONFIG_VALUE_0": "always",
}


def _run(cwd: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    full_env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), **FILE_TRANSPORT, **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", *args], cwd=cwd, env=full_env, capture_output=True, text=True,
        stdin=subprocess.DEVNULL,
    )  # fmt: skip


def _template_with_a_submodule(tmp_path: Path) -> Path:
    library = build_template(tmp_path / "library", {"lib-v1": {"lib.py": "VERSION = 1\n"}})
    v1 = {
        "copier.yml": "_preserve_symlinks: true\nproject_name:\n  type: str\n  default: demo\n",
        ANSWERS: ANSWERS_BODY,
        "README.md.jinja": "# {{ project_name }} (v1)\n",
    }
    v2 = {
        **v1,
        "README.md.jinja": "# {{ project_name }} (v2)\n",
        "run.sh": "#!/bin/sh\necho run\n",
        "latest.md": Link("README.md"),
    }
    template = build_template(tmp_path / "template", {"v1": v1})
    (template / "run.sh").write_text(v2["run.sh"])  # type: ignore[arg-type]
    (template / "run.sh").chmod(0o755)
    (template / "README.md.jinja").write_text(v2["README.md.jinja"])  # type: ignore[arg-type]
    (template / "latest.md").symlink_to("README.md")
    env = {**os.environ, **FILE_TRANSPORT}
    subprocess.run(
        ["git", "submodule", "add", "--quiet", "--", str(library), "vendor/library"],
        cwd=template, env=env, check=True, capture_output=True,
    )  # fmt: skip
    git("add", "--all", cwd=template)
    git("commit", "--quiet", "-m", "template v2", cwd=template)
    git("tag", "v2", cwd=template)
    return template


def _without_git(root: Path) -> dict[str, str]:
    return {k: v for k, v in tree_digest(root).items() if k != ".git" and not k.startswith(".git/")}


@pytest.mark.parametrize("version", ["v1", "v2"])
def test_new_at_a_version_gives_copiers_tree(tmp_path: Path, version: str) -> None:
    template = _template_with_a_submodule(tmp_path)
    for side in ("ours", "theirs"):
        (tmp_path / side).mkdir()

    ours = _run(
        tmp_path / "ours", "dlscaffold", "new", "proj", "--template", str(template),
        "--vcs-ref", version, "--defaults",
    )  # fmt: skip
    theirs = _run(
        tmp_path / "theirs", "copier", "copy", "--defaults", "--vcs-ref", version,
        str(template), "proj",
    )  # fmt: skip

    assert ours.returncode == 0, ours.stderr
    assert theirs.returncode == 0, theirs.stderr
    tree = _without_git(tmp_path / "ours/proj")
    assert tree == _without_git(tmp_path / "theirs/proj")
    assert f"({version})" in (tmp_path / "ours/proj/README.md").read_text()
    if version == "v2":  # what a checkout must carry over: modes, links, submodules
        assert tree["run.sh"].startswith("file:100755:")
        assert tree["latest.md"] == "link:README.md"
        assert (tmp_path / "ours/proj/vendor/library/lib.py").read_text() == "VERSION = 1\n"


def test_an_update_checks_out_both_versions_without_copiers_clone(tmp_path: Path) -> None:
    template = build_template(tmp_path / "template", _two_versions())
    project = make_project(tmp_path, template, vcs_ref="v1")
    trace = tmp_path / "git-trace.txt"

    result = _run(
        project, "dlscaffold", "update", "--defaults", "--vcs-ref", "v2",
        env={"GIT_TRACE": str(trace)},
    )  # fmt: skip

    assert result.returncode == 0, result.stderr
    assert (project / "README.md").read_text() == "# demo v2\n"
    clones = [line for line in trace.read_text().splitlines() if "built-in: git clone" in line]
    assert len(clones) == 2, clones  # the recorded version and the new one
    assert all("--shared" in line for line in clones), clones


def _two_versions() -> dict[str, dict[str, str | bytes | Link]]:
    base: dict[str, str | bytes | Link] = {
        "copier.yml": "project_name:\n  type: str\n  default: demo\n",
        ANSWERS: ANSWERS_BODY,
        "README.md.jinja": "# {{ project_name }} v1\n",
    }
    return {"v1": base, "v2": {**base, "README.md.jinja": "# {{ project_name }} v2\n"}}


@pytest.mark.parametrize(
    ("case", "ref"),
    [("remote", "v1"), ("local", None), ("local", "HEAD"), ("shallow", "v2"),
     ("local", "no-such-tag"), ("bundle", None), ("not a bundle", "v1"),
     ("plain folder", "v1")],
)  # fmt: skip
def test_what_it_does_not_handle_is_left_to_copier(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, case: str, ref: str | None
) -> None:
    template = build_template(tmp_path / "template", _two_versions())
    urls = {
        "remote": "https://example.invalid/template.git",
        "local": str(template),
        "shallow": _shallow_clone(template, tmp_path / "shallow"),
        "bundle": _bundle(template, tmp_path / "template.bundle"),
        "not a bundle": str(template / "README.md.jinja"),
        "plain folder": str(template / "unversioned"),
    }
    (template / "unversioned").mkdir()
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))

    assert local_checkout(urls[case], ref) is None
    assert not any(p.name.startswith(CLONE_PREFIX) for p in scratch.iterdir())


@pytest.mark.parametrize("kind", ["repository", "bundle"])
def test_a_local_version_is_checked_out_and_describes_as_copier_records_it(
    tmp_path: Path, kind: str
) -> None:
    template = build_template(tmp_path / "template", _two_versions())
    if kind == "bundle":  # as dlscaffold's own template ships
        template = Path(_bundle(template, tmp_path / "template.bundle"))

    checkout = local_checkout(str(template), "v1")

    assert checkout is not None and checkout.name.startswith(CLONE_PREFIX)
    assert (checkout / "README.md.jinja").read_text() == "# {{ project_name }} v1\n"
    # copier records `git describe --tags --always` of its clone as the answers' `_commit`.
    assert git("describe", "--tags", "--always", cwd=checkout).strip() == "v1"
    assert git("status", "--porcelain", cwd=checkout) == ""


def _shallow_clone(template: Path, dest: Path) -> str:
    git("clone", "--quiet", "--depth", "1", "--branch", "v2", f"file://{template}", str(dest),
        cwd=template.parent)  # fmt: skip
    assert (dest / ".git" / "shallow").exists()
    return str(dest)


def _bundle(template: Path, dest: Path) -> str:
    git("bundle", "create", "--quiet", str(dest), "--all", cwd=template)
    return str(dest)
