"""`update_project`: three-way updates of projects made from tagged template repositories."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml
from helpers import git, tree_digest
from test_update_support import (
    LOGO_V1,
    LOGO_V2,
    MAIN_V1,
    MAIN_V2,
    TRAIN_V1,
    commit_all,
    make_project,
    standard_template,
)

from dlscaffold._update import (
    EXIT_NOTHING_TO_DO,
    EXIT_UPDATED,
    EXIT_UPDATED_WITH_CONFLICTS,
    update_project,
)
from dlscaffold._update.api import UpdateRefusedError
from dlscaffold._update.plan import Status


@pytest.fixture
def template(tmp_path: Path) -> Path:
    return standard_template(tmp_path, upto=2)


@pytest.fixture
def project(tmp_path: Path, template: Path) -> Path:
    return make_project(tmp_path, template)


def statuses(result) -> dict[str, str]:
    return {c.path: c.status.value for c in result.changes if c.writes or c.status is Status.KEPT}


def test_untouched_project_takes_every_template_change(project: Path) -> None:
    result = update_project(project, defaults=True)

    assert result.exit_code == EXIT_UPDATED
    assert (result.old_version, result.new_version) == ("v1", "v2")
    assert statuses(result) == {
        ".copier-answers.yml": "updated",
        "README.md": "updated",
        "assets/logo.bin": "updated",
        "configs/current.yaml": "updated",
        "configs/train.yaml": "updated",
        "old.txt": "deleted",
        "src/main.py": "updated",
        "src/new.py": "added",
    }
    assert (project / "src/main.py").read_text() == MAIN_V2
    assert (project / "assets/logo.bin").read_bytes() == LOGO_V2
    assert os.readlink(project / "configs/current.yaml") == "eval.yaml"
    assert not (project / "old.txt").exists()
    assert (project / "notes.md").read_text() == "notes v1\n"  # _skip_if_exists
    answers = yaml.safe_load((project / ".copier-answers.yml").read_text())
    assert answers["_commit"] == "v2"
    assert answers["license"] == "MIT"  # new question, default answer
    assert "License: MIT" in (project / "README.md").read_text()


def test_user_edits_are_kept_and_template_edits_merged(project: Path) -> None:
    main = project / "src/main.py"
    main.write_text(MAIN_V1.replace("line 15\n", "line 15 (mine)\n"))
    (project / "mine.txt").write_text("user file\n")
    commit_all(project)

    result = update_project(project, defaults=True)

    assert result.exit_code == EXIT_UPDATED
    assert statuses(result)["src/main.py"] == "merged"
    assert main.read_text() == MAIN_V2.replace("line 15\n", "line 15 (mine)\n")
    assert (project / "mine.txt").read_text() == "user file\n"


def test_conflicts_are_listed_marked_and_unmerged_in_git(project: Path) -> None:
    main = project / "src/main.py"
    main.write_text(MAIN_V1.replace("line 2\n", "line 2 (mine)\n"))
    commit_all(project)

    result = update_project(project, defaults=True)

    assert result.exit_code == EXIT_UPDATED_WITH_CONFLICTS
    assert [c.path for c in result.conflicts] == ["src/main.py"]
    assert result.leftover_markers == ("src/main.py",)
    text = main.read_text()
    assert "<<<<<<< before updating\nline 2 (mine)\n" in text
    assert "line 2 (template v2)\n>>>>>>> after updating\n" in text
    assert "UU src/main.py" in git("status", "--porcelain", cwd=project)


def test_adjacent_yaml_keys_changed_on_each_side_merge(project: Path) -> None:
    train = project / "configs/train.yaml"
    train.write_text(TRAIN_V1.replace("batch_size: 32", "batch_size: 64"))
    commit_all(project)

    result = update_project(project, defaults=True)

    assert result.exit_code == EXIT_UPDATED
    change = next(c for c in result.changes if c.path == "configs/train.yaml")
    assert (change.status, change.note) == (Status.MERGED, "merged key by key")
    assert train.read_text() == "# training\nlr: 0.01\nbatch_size: 64\nepochs: 5\n"


def test_same_yaml_key_changed_on_each_side_conflicts(project: Path) -> None:
    (project / "configs/train.yaml").write_text(TRAIN_V1.replace("lr: 0.1", "lr: 0.5"))
    commit_all(project)

    result = update_project(project, defaults=True)

    assert [c.path for c in result.conflicts] == ["configs/train.yaml"]


def test_user_modified_binary_is_kept_and_reported(project: Path) -> None:
    logo = project / "assets/logo.bin"
    logo.write_bytes(LOGO_V1 + b"mine")
    commit_all(project)

    result = update_project(project, defaults=True)

    change = next(c for c in result.changes if c.path == "assets/logo.bin")
    assert (change.status, change.kind.value) == (Status.KEPT, "binary")
    assert logo.read_bytes() == LOGO_V1 + b"mine"
    assert result.exit_code == EXIT_UPDATED


def test_symlink_retargeted_on_both_sides_is_kept_without_crash(project: Path) -> None:
    link = project / "configs/current.yaml"
    link.unlink()
    os.symlink("mine.yaml", link)
    (project / "configs/mine.yaml").write_text("x: 1\n")
    commit_all(project)

    result = update_project(project, defaults=True)

    change = next(c for c in result.changes if c.path == "configs/current.yaml")
    assert (change.status, change.kind.value) == (Status.KEPT, "symlink")
    assert os.readlink(link) == "mine.yaml"
    answers = yaml.safe_load((project / ".copier-answers.yml").read_text())
    assert answers["_commit"] == "v2"


def test_user_deleted_file_that_template_changed_stays_deleted(project: Path) -> None:
    (project / "src/main.py").unlink()
    commit_all(project)

    result = update_project(project, defaults=True)

    assert statuses(result)["src/main.py"] == "kept"
    assert not (project / "src/main.py").exists()


def test_dirty_tree_is_refused_with_one_line(project: Path) -> None:
    (project / "README.md").write_text("dirty\n")
    before = tree_digest(project)

    with pytest.raises(UpdateRefusedError) as info:
        update_project(project, defaults=True)

    assert str(info.value) == (
        f"Project '{project.name}' has uncommitted changes; commit or stash them, then "
        "update (or preview with --diff)."
    )
    assert tree_digest(project) == before


def test_preview_writes_nothing_and_predicts_the_update(project: Path) -> None:
    (project / "src/main.py").write_text(MAIN_V1.replace("line 2\n", "line 2 (mine)\n"))
    commit_all(project)
    before = tree_digest(project)

    preview = update_project(project, defaults=True, pretend=True)

    assert tree_digest(project) == before
    assert not preview.applied
    assert preview.exit_code == EXIT_UPDATED_WITH_CONFLICTS
    applied = update_project(project, defaults=True)
    assert statuses(preview) == statuses(applied)


def test_up_to_date_project_has_nothing_to_do(tmp_path: Path, template: Path) -> None:
    project = make_project(tmp_path, template, vcs_ref="v2")
    before = tree_digest(project)

    result = update_project(project, defaults=True)

    assert result.exit_code == EXIT_NOTHING_TO_DO
    assert tree_digest(project) == before


def test_vcs_ref_chooses_the_target_version(tmp_path: Path) -> None:
    template = standard_template(tmp_path, upto=3)
    project = make_project(tmp_path, template)

    result = update_project(project, vcs_ref="v2", defaults=True)

    assert result.new_version == "v2"
    assert yaml.safe_load((project / ".copier-answers.yml").read_text())["_commit"] == "v2"
    commit_all(project)
    assert update_project(project, defaults=True).new_version == "v3"


def test_downgrade_is_refused(tmp_path: Path, template: Path) -> None:
    project = make_project(tmp_path, template, vcs_ref="v2")

    with pytest.raises(UpdateRefusedError, match="downgrades are not supported"):
        update_project(project, vcs_ref="v1", defaults=True)
