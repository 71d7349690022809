"""A template source or version can never become a git option or run a command.

Every case runs the real `dlscaffold` in a subprocess against a real project whose answers
file (committed, so anyone with push access could have written it) or command line holds the
payload, and asserts that the payload's marker file never appears and that the refusal is
one line.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from helpers import git, tree_digest
from test_update_support import Link, build_template, commit_all, make_project, v1_spec, v2_spec
from typer.testing import CliRunner

from dlscaffold._cli import app

SRC = Path(__file__).resolve().parents[1] / "src"


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run the real `dlscaffold` in a subprocess."""
    env = {**os.environ, "PYTHONPATH": f"{SRC}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    return subprocess.run(
        [sys.executable, "-m", "dlscaffold", *args],
        cwd=cwd, env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run the same command line in this process (same code, real git; no start-up cost)."""
    previous = Path.cwd()
    os.chdir(cwd)
    try:
        result = CliRunner().invoke(app, list(args))
    finally:
        os.chdir(previous)
    return subprocess.CompletedProcess(args, result.exit_code, result.stdout, result.stderr)


def work_tree(project: Path) -> dict[str, str]:
    """The project's files (git's own folder left out: `git status` refreshes the index)."""
    return {k: v for k, v in tree_digest(project).items() if not k.startswith(".git/")}


def source_payloads(marker: Path) -> dict[str, str]:
    """Template sources that would run `touch marker` if git or ssh read them as asked."""
    return {
        "upload-pack": f"--upload-pack=touch {marker}; echo ://x",
        "config-sshcommand": f"--config=core.sshCommand=touch {marker}",
        "dash-c": f"-ccore.sshCommand=touch {marker}",
        "ext": f"ext::sh -c touch% {marker}",
        "ext-dot-git": f"ext::sh -c touch% {marker}% .git",
        "fd": "fd::0,1",
        "file-helper": f"file::{marker.parent}",
        "ssh-host-option": f"ssh://-oProxyCommand=touch%20{marker}/repo.git",
        "scp-host-option": f"git@-oProxyCommand=touch {marker.name}:repo.git",
        "http": "http://example.invalid/template.git",
        "leading-dash-path": "-template",
    }


def one_line_error(proc: subprocess.CompletedProcess[str]) -> str:
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("Error: "), proc.stderr
    return lines[0]


@pytest.fixture(scope="module")
def pristine_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One project for the module (made once: rendering is what costs), copied per test."""
    root = tmp_path_factory.mktemp("pristine")
    template = build_template(root / "template", {"v1": v1_spec(), "v2": v2_spec()})
    project = make_project(root, template)
    git("remote", "add", "origin", str(template), cwd=project)  # what a bare ls-remote uses
    return project


@pytest.fixture
def project(pristine_project: Path, tmp_path: Path) -> Path:
    """A committed project with an `origin` remote, its template at tmp_path/template."""
    shutil.copytree(pristine_project.parent / "template", tmp_path / "template", symlinks=True)
    copy = tmp_path / "proj"
    shutil.copytree(pristine_project, copy, symlinks=True)
    return copy


def record_source(project: Path, src: str, *, commit: str | None = None) -> None:
    path = project / ".copier-answers.yml"
    answers = yaml.safe_load(path.read_text())
    answers["_src_path"] = src
    if commit is not None:
        answers["_commit"] = commit
    path.write_text(yaml.safe_dump(answers))
    commit_all(project, "a hostile answers file")


@pytest.mark.parametrize("name", sorted(source_payloads(Path("/m"))))
def test_a_recorded_src_path_never_runs_anything(project: Path, tmp_path: Path, name: str) -> None:
    marker = tmp_path / "PWNED"
    record_source(project, source_payloads(marker)[name])
    before = work_tree(project)

    invoke = cli if name == "upload-pack" else run  # the payload: real subprocesses
    for command in (["check"], ["update", "--defaults"], ["update", "--diff"]):
        proc = invoke(*command, cwd=project)

        assert not marker.exists() and not (project / marker.name).exists()
        assert proc.returncode not in (0, 5, 6), proc.stderr
        assert "Template source" in " ".join((proc.stderr + proc.stdout).split())
        if command[0] == "update":
            assert "refused" in one_line_error(proc) or "only file, https" in proc.stderr
        assert work_tree(project) == before


@pytest.mark.parametrize("name", sorted(source_payloads(Path("/m"))))
def test_new_refuses_a_hostile_template_and_creates_nothing(tmp_path: Path, name: str) -> None:
    marker = tmp_path / "PWNED"

    proc = cli(
        "new", "proj", "--template", source_payloads(marker)[name], "--defaults", cwd=tmp_path
    )

    assert not marker.exists()
    assert proc.returncode == 1, proc.stderr
    assert "Template source" in one_line_error(proc)
    assert not (tmp_path / "proj").exists()
    assert [p.name for p in tmp_path.iterdir()] == []


@pytest.mark.parametrize("ref", ["--output=OUT", "-c", "--upload-pack=touch OUT"])
def test_an_option_looking_version_is_refused(project: Path, tmp_path: Path, ref: str) -> None:
    out = tmp_path / "OUT"
    ref = ref.replace("OUT", str(out))
    template = str(tmp_path / "template")
    before = work_tree(project)

    runs = [
        run("update", f"--vcs-ref={ref}", "--defaults", cwd=project),
        run("update", f"--vcs-ref={ref}", "--diff", cwd=project),
        run("new", "other", "--template", template, f"--vcs-ref={ref}", "--defaults", cwd=tmp_path),
    ]

    for proc in runs:
        assert proc.returncode == 1, proc.stderr
        assert "Template version" in one_line_error(proc)
    assert not out.exists()
    assert not (tmp_path / "other").exists()
    assert work_tree(project) == before


def test_a_recorded_commit_that_looks_like_an_option_is_refused(
    project: Path, tmp_path: Path
) -> None:
    out = tmp_path / "OUT"
    record_source(project, str(tmp_path / "template"), commit=f"--output={out}")

    proc = cli("update", "--defaults", "--vcs-ref", "v2", cwd=project)

    assert proc.returncode == 1, proc.stderr
    assert "Template version" in one_line_error(proc)
    assert not out.exists()


def test_a_path_with_a_leading_dash_works_written_as_a_relative_path(tmp_path: Path) -> None:
    build_template(tmp_path / "-template", {"v1": v1_spec()})

    proc = cli("new", "proj", "--template", "./-template", "--defaults", cwd=tmp_path)

    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "proj/src/main.py").is_file()


def test_copiers_own_git_calls_refuse_other_transports(tmp_path: Path, isolated_home: Path) -> None:
    """A template whose submodule URL is `ext::` runs nothing, even where git allows it."""
    marker = tmp_path / "PWNED"
    with (isolated_home / ".gitconfig").open("a") as config:
        config.write("[protocol]\n\tallow = always\n")  # the user's git would run ext::
    template = build_template(tmp_path / "template", {"v1": v1_spec()})
    (template / ".gitmodules").write_text(
        f'[submodule "sub"]\n\tpath = sub\n\turl = ext::sh -c touch% {marker}\n'
    )
    head = git("rev-parse", "HEAD", cwd=template).strip()
    git("update-index", "--add", "--cacheinfo", f"160000,{head},sub", cwd=template)
    git("add", ".gitmodules", cwd=template)
    git("commit", "--quiet", "-m", "submodule", cwd=template)
    git("tag", "--force", "v1", cwd=template)

    proc = cli("new", "proj", "--template", str(template), "--defaults", cwd=tmp_path)

    # Without the restriction, git (allowed by the user's config) runs the helper here.
    assert not marker.exists(), proc.stderr
    assert proc.returncode == 1
    assert "submodule" in one_line_error(proc)
    assert not (tmp_path / "proj").exists()


def links_template(tmp_path: Path) -> Path:
    v2 = v2_spec()
    v2["project/escape"] = Link("../../outside")
    v2["project/configs/secrets"] = Link("/etc")
    v2["project/configs/inside"] = Link("../src/main.py")
    return build_template(tmp_path / "template", {"v1": v1_spec(), "v2": v2})


def test_new_refuses_symlinks_leaving_the_project_unless_trusted(tmp_path: Path) -> None:
    template = str(links_template(tmp_path))
    refused = cli(
        "new", "proj", "--template", template, "--vcs-ref", "v2", "--defaults", cwd=tmp_path
    )

    assert refused.returncode == 4, refused.stderr
    line = one_line_error(refused)
    assert "configs/secrets -> /etc" in line and "escape -> ../../outside" in line
    assert "configs/inside" not in line
    assert not (tmp_path / "proj").exists()

    trusted = cli(
        "new", "proj", "--template", template, "--vcs-ref", "v2", "--defaults", "--trust",
        cwd=tmp_path,
    )  # fmt: skip

    assert trusted.returncode == 0, trusted.stderr
    assert "escape -> ../../outside points outside the project" in trusted.stderr
    assert os.readlink(tmp_path / "proj/configs/secrets") == "/etc"


def test_update_refuses_symlinks_leaving_the_project_unless_trusted(tmp_path: Path) -> None:
    project = make_project(tmp_path, links_template(tmp_path))
    before = work_tree(project)

    refused = cli("update", "--defaults", cwd=project)

    assert refused.returncode == 4, refused.stderr
    assert "configs/secrets -> /etc" in one_line_error(refused)
    assert work_tree(project) == before

    trusted = cli("update", "--defaults", "--trust", cwd=project)

    assert trusted.returncode == 0, trusted.stderr
    assert "configs/secrets -> /etc points outside the project" in " ".join(trusted.stderr.split())
    assert os.readlink(project / "escape") == "../../outside"
