"""`dlscaffold data link`: relative links, registry, protection, refusals, moves."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

import dlscaffold._data.link
from dlscaffold._data.link import link_dataset
from dlscaffold._data.registry import load_registry
from tests.helpers import git, tree_digest
from tests.test_data_helpers import (
    Workspace,
    cli,
    contents,
    has_write_bits,
    make_writable,
    write_dataset,
)


def test_link_makes_a_relative_link_records_it_and_protects_the_source(ws: Workspace) -> None:
    before = contents(ws.source())

    code, out, err = cli("data", "link", "ds", "../raw/ds", cwd=ws.project)

    assert code == 0, err
    assert " ".join(err.split()) == (
        f"Linked data/ds -> ../../raw/ds (7 files, 71 B). "
        f"Made {ws.source()} read-only (--no-protect skips)."
    )
    link = ws.project / "data" / "ds"
    assert os.readlink(link) == "../../raw/ds"
    assert link.resolve() == ws.source()
    entry = yaml.safe_load((ws.project / "data" / "datasets.yaml").read_text())["datasets"]["ds"]
    assert entry["source"] == "../../raw/ds"
    assert entry["protected"] is True
    assert entry["manifest"]["files"] == 7 and entry["manifest"]["bytes"] == 71
    assert entry["manifest"]["fingerprint"].startswith("sha256:")
    assert set(entry) == {"source", "protected", "linked_at", "manifest"}
    assert not has_write_bits(ws.source())
    assert contents(ws.source()) == before


def test_registry_is_tracked_and_per_machine_records_are_ignored(ws: Workspace) -> None:
    link_dataset(ws.project, "ds", ws.source())

    assert (ws.project / "data" / ".manifests" / "ds.json").is_file()
    git("check-ignore", "-q", "data/.manifests/ds.json", cwd=ws.project)  # raises if tracked
    status = git("status", "--porcelain", "--untracked-files=all", cwd=ws.project)
    assert "data/datasets.yaml" in status
    assert ".manifests" not in status


def test_registry_starts_with_its_header(ws: Workspace) -> None:
    link_dataset(ws.project, "ds", ws.source())

    text = (ws.project / "data" / "datasets.yaml").read_text()
    assert text.startswith("# Datasets linked into data/ by `dlscaffold data link`.")
    assert yaml.safe_load(text)["version"] == 1


def test_no_protect_leaves_modes_alone(ws: Workspace) -> None:
    before = tree_digest(ws.source())

    code, _, err = cli("data", "link", "ds", str(ws.source()), "--no-protect", cwd=ws.project)

    assert code == 0, err
    assert tree_digest(ws.source()) == before
    assert load_registry(ws.project)["datasets"]["ds"]["protected"] is False


def test_link_finds_the_project_from_a_subfolder_or_path(ws: Workspace) -> None:
    sub = ws.project / "scratch" / "deep"
    sub.mkdir(parents=True)
    write_dataset(ws.source("other"))

    assert cli("data", "link", "ds", str(ws.source()), cwd=sub)[0] == 0
    assert cli("data", "link", "other", "raw/other", "demo", cwd=ws.root)[0] == 0

    assert (ws.project / "data" / "ds").resolve() == ws.source()
    assert os.readlink(ws.project / "data" / "other") == "../../raw/other"


def test_link_outside_any_project_is_refused(tmp_path: Path) -> None:
    write_dataset(tmp_path / "raw")

    code, _, err = cli("data", "link", "ds", "raw", cwd=tmp_path)

    assert code == 1
    assert f"Error: No dlscaffold project at or above '{tmp_path.resolve()}'" in err
    assert not (tmp_path / "data").exists()


BAD_LINKS = [
    ("../up", "ds", "Error: Dataset name '../up' is not a plain name"),
    ("a/b", "ds", "Error: Dataset name 'a/b' is not a plain name"),
    (".hidden", "ds", "Error: Dataset name '.hidden' is not a plain name"),
    ("..", "ds", "Error: Dataset name '..' is not a plain name"),
    ("datasets.yaml", "ds", "Error: Dataset name 'datasets.yaml' is not a plain name"),
    ("ok", "missing", "Error: Dataset source '../raw/missing' does not exist."),
    ("ok", "file", "Error: Dataset source '../raw/file' is not a folder"),
    ("ok", "inside", "Error: Dataset source '../demo/scratch' is inside the project"),
    ("ok", "parent", "Error: Dataset source '..' contains the project"),
    ("taken", "ds", "Error: 'data/taken' already exists; choose another name or unlink it"),
    ("registered", "ds", "Error: Dataset 'registered' is already in data/datasets.yaml"),
]


@pytest.mark.parametrize(("name", "source", "message"), BAD_LINKS)
def test_bad_link_is_refused_and_changes_nothing(
    ws: Workspace, name: str, source: str, message: str
) -> None:
    (ws.root / "raw" / "file").write_text("not a folder")
    (ws.project / "scratch").mkdir()
    link_dataset(ws.project, "taken", ws.source())
    registry = ws.project / "data" / "datasets.yaml"
    text = registry.read_text().replace("  taken:", "  registered:\n    source: x\n  taken:")
    registry.write_text(text)
    given = {"inside": "../demo/scratch", "parent": "..", "ds": "../raw/ds"}.get(
        source, f"../raw/{source}"
    )
    project_before, raw_before = tree_digest(ws.project), tree_digest(ws.root / "raw")

    code, out, err = cli("data", "link", name, given, cwd=ws.project)

    assert code == 1
    assert err.startswith(message), err
    assert len(err.strip().splitlines()) == 1
    assert tree_digest(ws.project) == project_before
    assert tree_digest(ws.root / "raw") == raw_before


def test_a_failed_save_undoes_the_link_and_the_protection(
    ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    project_before, source_before = tree_digest(ws.project), tree_digest(ws.source())

    def broken(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(dlscaffold._data.link, "save_registry", broken)
    with pytest.raises(OSError, match="No space left"):
        link_dataset(ws.project, "ds", ws.source())

    assert tree_digest(ws.source()) == source_before
    after = {k: v for k, v in tree_digest(ws.project).items() if not k.startswith("data/.manif")}
    assert after == project_before


def test_links_survive_renaming_the_project_and_moving_the_workspace(
    ws: Workspace, tmp_path: Path
) -> None:
    link_dataset(ws.project, "ds", ws.source())
    renamed = ws.root / "renamed"
    ws.project.rename(renamed)
    assert cli("data", "verify", cwd=renamed)[0] == 0

    moved = tmp_path / "elsewhere" / "deeper" / "ws"
    moved.parent.mkdir(parents=True)
    shutil.move(ws.root, moved)

    code, _, err = cli("data", "verify", cwd=moved / "renamed")
    assert code == 0, err
    assert (moved / "renamed" / "data" / "ds").resolve() == moved / "raw" / "ds"
    make_writable(moved / "raw")


def test_a_clone_with_the_same_data_layout_finds_its_data(ws: Workspace, tmp_path: Path) -> None:
    link_dataset(ws.project, "ds", ws.source())
    git("add", "-A", cwd=ws.project)
    git("commit", "-qm", "Link ds", cwd=ws.project)
    other = tmp_path / "machine2"
    shutil.copytree(ws.source(), other / "raw" / "ds")  # same layout, new mtimes
    git("clone", "-q", str(ws.project), str(other / "demo"), cwd=tmp_path)

    code, _, err = cli("data", "verify", cwd=other / "demo")

    assert code == 0, err
    assert "ds: unchanged, 7 files (fast mode)." in " ".join(err.split())
    make_writable(other / "raw")


def test_new_links_datasets_while_generating(tmp_path: Path) -> None:
    write_dataset(tmp_path / "raw" / "images")
    source_before = contents(tmp_path / "raw" / "images")

    code, _, err = cli(
        "new", "demo", "--defaults", "--no-example-data", "--link", "images=raw/images",
        cwd=tmp_path,
    )  # fmt: skip

    assert code == 0, err
    project = tmp_path / "demo"
    assert os.readlink(project / "data" / "images") == "../../raw/images"
    assert "data/datasets.yaml" in git("ls-files", cwd=project)
    assert git("status", "--porcelain", cwd=project) == ""
    assert not has_write_bits(tmp_path / "raw" / "images")
    assert contents(tmp_path / "raw" / "images") == source_before
    assert cli("data", "verify", "images", cwd=project)[0] == 0
    make_writable(tmp_path / "raw")


def test_a_source_reached_through_a_link_keeps_the_path_as_written(ws: Workspace) -> None:
    (ws.root / "shelf").symlink_to("raw")  # e.g. ~/datasets -> /mnt/disk/datasets

    code, _, err = cli("data", "link", "ds", "../shelf/ds", cwd=ws.project)

    assert code == 0, err
    assert os.readlink(ws.project / "data" / "ds") == "../../shelf/ds"
    assert (ws.project / "data" / "ds").resolve() == ws.source()


def test_data_commands_are_registered_in_the_installed_cli(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(Path(dlscaffold._data.link.__file__).parents[2])}
    result = subprocess.run(
        [sys.executable, "-m", "dlscaffold", "data", "--help"],
        capture_output=True, text=True, env=env, check=False,
    )  # fmt: skip

    assert result.returncode == 0, result.stderr
    for command in ("link", "list", "verify", "unlink"):
        assert f" {command} " in result.stdout


def test_link_and_unlink_stage_the_link_and_registry_in_git(ws: Workspace) -> None:
    link_dataset(ws.project, "ds", ws.source())

    staged = git("diff", "--cached", "--name-status", cwd=ws.project).split("\n")
    assert "A\tdata/ds" in staged
    assert any(line.endswith("data/datasets.yaml") for line in staged)
    git("commit", "-qm", "Link ds", cwd=ws.project)

    code, _, err = cli("data", "unlink", "ds", cwd=ws.project)

    assert code == 0, err
    assert "D\tdata/ds" in git("diff", "--cached", "--name-status", cwd=ws.project)
    make_writable(ws.source())


def test_a_source_reached_through_a_link_of_the_project_is_refused(ws: Workspace) -> None:
    link_dataset(ws.project, "digits", ws.source())
    before = tree_digest(ws.root)

    for given in ("data/digits", str(ws.project / "data" / "digits" / "cat")):
        code, _, err = cli("data", "link", "x", given, cwd=ws.project)

        assert code == 1
        assert " ".join(err.split()) == (
            f"Error: Dataset source '{given}' is inside the project; keep raw data outside it "
            "and link it in."
        )
        assert tree_digest(ws.root) == before


def _home_cases(ws: Workspace, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    """Folders that must never be locked, each with its own HOME or setting."""
    home = ws.root / "raw" / "up" / "home"
    (home / ".local" / "share").mkdir(parents=True)
    (home / "notes.txt").write_text("mine")
    monkeypatch.setenv("HOME", str(home))
    (ws.root / "raw" / "repo" / ".git").mkdir(parents=True)
    (ws.root / "raw" / "repo" / "train.py").write_text("code")
    (ws.root / "raw" / "proj").mkdir()
    (ws.root / "raw" / "proj" / ".copier-answers.yml").write_text("_src_path: x\n")
    shared = ws.root / "raw" / "share" / "datasets"
    (shared / "digits").mkdir(parents=True)
    monkeypatch.setenv("DLSCAFFOLD_DATASETS", str(shared))
    return {
        "home": home,
        "above": home.parent,
        "hidden": home / ".local",
        "repo": ws.root / "raw" / "repo",
        "proj": ws.root / "raw" / "proj",
        "shared": shared.parent,
    }


NEVER_PROTECTED = [
    ("home", "is your home folder, not a dataset; link the folder that holds only the data."),
    ("above", "is a folder above your home folder, not a dataset;"),
    ("hidden", "read-only: it is a hidden folder of your home folder"),
    ("repo", "read-only: it is a git repository (it has .git at its top), not only data."),
    ("proj", "read-only: it is a project (it has .copier-answers.yml at its top)"),
    ("shared", "read-only: it contains the shared example datasets"),
]


@pytest.mark.parametrize(("case", "message"), NEVER_PROTECTED)
def test_folders_that_hold_more_than_data_are_never_locked(
    ws: Workspace, monkeypatch: pytest.MonkeyPatch, case: str, message: str
) -> None:
    source = _home_cases(ws, monkeypatch)[case]
    before = tree_digest(ws.root)

    code, _, err = cli("data", "link", "x", str(source), cwd=ws.project)

    assert code == 1
    assert len(err.strip().splitlines()) == 1, err
    assert message in " ".join(err.split())
    if "read-only" in message:
        assert f"'dlscaffold data link x {source} --no-protect'" in " ".join(err.split())
    assert tree_digest(ws.root) == before


def test_a_repository_links_without_protection_when_asked(
    ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = _home_cases(ws, monkeypatch)["repo"]
    before = tree_digest(repo)

    code, _, err = cli("data", "link", "x", str(repo), "--no-protect", cwd=ws.project)

    assert code == 0, err
    assert (ws.project / "data" / "x").resolve() == repo
    assert tree_digest(repo) == before
