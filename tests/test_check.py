"""`check_project`: each finding, `--fail-on`, and a check that changes nothing."""

from __future__ import annotations

import os
import sys
import types
from pathlib import Path

import pytest
import yaml
from helpers import git, tree_digest
from test_update_support import commit_all, make_project, standard_template

from dlscaffold._check import EXIT_FINDINGS, EXIT_PASSED, EXIT_UPDATE_AVAILABLE, check_project
from dlscaffold.errors import UserError


@pytest.fixture
def template(tmp_path: Path) -> Path:
    return standard_template(tmp_path, upto=2)


@pytest.fixture
def project(tmp_path: Path, template: Path) -> Path:
    return make_project(tmp_path, template, vcs_ref="v2")


def ids(report) -> list[tuple[str, str | None]]:
    return [(f.id, f.path) for f in report.findings]


def test_fresh_project_passes_and_is_left_untouched(project: Path) -> None:
    before = tree_digest(project)

    report = check_project(project)

    assert ids(report) == []
    assert report.exit_code == EXIT_PASSED
    assert (report.template_version, report.latest_version) == ("v2", "v2")
    assert tree_digest(project) == before


def test_project_behind_the_template_exits_3(tmp_path: Path, template: Path) -> None:
    project = make_project(tmp_path, template, vcs_ref="v1", name="old")

    report = check_project(project)

    assert ids(report) == [("behind-template", ".copier-answers.yml")]
    assert report.findings[0].message == ("The project is at template version v1; v2 is available.")
    assert report.exit_code == EXIT_UPDATE_AVAILABLE


def test_drift_from_the_recorded_version_is_found(project: Path) -> None:
    (project / "src/main.py").write_text("changed\n")
    (project / "configs/eval.yaml").unlink()
    (project / "notes.md").write_text("my notes\n")  # _skip_if_exists: meant to be edited
    (project / "mine.txt").write_text("not from the template\n")
    commit_all(project)

    report = check_project(project)

    assert ids(report) == [
        ("drift-missing", "configs/eval.yaml"),
        ("drift-modified", "src/main.py"),
    ]
    assert report.exit_code == EXIT_FINDINGS
    assert ids(check_project(project, ignore=["src/*", "configs/eval.yaml"])) == []
    assert ids(check_project(project, drift=False)) == []


def test_symlink_drift_is_found(project: Path) -> None:
    link = project / "configs/current.yaml"
    link.unlink()
    os.symlink("train.yaml", link)

    assert ids(check_project(project)) == [("drift-modified", "configs/current.yaml")]


def test_leftover_conflict_markers_are_found(project: Path) -> None:
    (project / "mine.txt").write_text("a\n<<<<<<< before updating\nb\n=======\nc\n>>>>>>> x\n")

    report = check_project(project, drift=False)

    assert ids(report) == [("conflict-markers", "mine.txt")]


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (None, "answers-missing"),
        ("[unclosed", "answers-invalid"),
        ("project_name: x\n", "answers-invalid"),
        ("_src_path: ../template\n_commit: v2\nproject_name: proj\n", "answers-relative-src"),
    ],
)
def test_answers_file_problems(project: Path, content: str | None, expected: str) -> None:
    answers = project / ".copier-answers.yml"
    if content is None:
        answers.unlink()
    else:
        answers.write_text(content)

    report = check_project(project, drift=False)

    assert [f.id for f in report.findings if f.group == "answers"] == [expected]


def test_configs_must_parse_and_hold_no_absolute_paths(project: Path) -> None:
    (project / "configs/bad.yaml").write_text("a: [1, 2\n")
    (project / "configs/paths.yaml").write_text(
        "data:\n  root: /home/me/datasets\n  cache: data/cache\nurl: http://x.invalid/a\n"
        "out: ~/runs\n"
    )

    report = check_project(project, drift=False)

    assert ids(report) == [
        ("config-invalid", "configs/bad.yaml"),
        ("config-absolute-path", "configs/paths.yaml"),
        ("config-absolute-path", "configs/paths.yaml"),
    ]
    assert report.findings[1].message == (
        "configs/paths.yaml: data.root is an absolute path (/home/me/datasets)."
    )


def test_data_links_and_tracked_artifacts(project: Path, tmp_path: Path) -> None:
    dataset = tmp_path / "raw"
    dataset.mkdir()
    (project / "data").mkdir()
    os.symlink(dataset, project / "data/absolute")
    os.symlink("../../nowhere", project / "data/broken")
    os.symlink(os.path.relpath(dataset, project / "data"), project / "data/good")
    (project / "models").mkdir()
    (project / "models/best.pt").write_bytes(b"\0weights")
    (project / "models/.gitkeep").write_text("")
    git("add", "models", cwd=project)

    report = check_project(project, drift=False)

    assert set(ids(report)) == {
        ("tracked-artifact", "models/best.pt"),
        ("data-absolute-link", "data/absolute"),
        ("data-unregistered-link", "data/absolute"),
        ("data-missing-target", "data/broken"),
        ("data-unregistered-link", "data/broken"),
        ("data-unregistered-link", "data/good"),
    }
    assert all(f.group == "data" for f in report.findings)


def test_dataset_module_problems_are_reported_when_it_exists(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    problem = types.SimpleNamespace(
        id="dataset-modified",
        message="data/digits changed.",
        hint="Re-link it.",
        path=project / "data/digits",
    )
    health = types.ModuleType("dlscaffold._data.health")
    health.dataset_problems = lambda root: [problem]
    monkeypatch.setitem(sys.modules, "dlscaffold._data.health", health)

    report = check_project(project, drift=False)

    assert ids(report) == [("dataset-modified", "data/digits")]
    assert report.findings[0].group == "data"


def test_fail_on_chooses_what_fails(tmp_path: Path, template: Path) -> None:
    project = make_project(tmp_path, template, vcs_ref="v1", name="old")
    (project / "src/main.py").write_text("changed\n")
    commit_all(project)

    assert check_project(project).exit_code == EXIT_FINDINGS
    assert check_project(project, fail_on=["version"]).exit_code == EXIT_UPDATE_AVAILABLE
    assert check_project(project, fail_on=["drift-modified"]).exit_code == EXIT_FINDINGS
    assert check_project(project, fail_on=["markers,configs"]).exit_code == EXIT_PASSED
    assert check_project(project, fail_on=["none"]).exit_code == EXIT_PASSED
    with pytest.raises(UserError, match="Unknown --fail-on value 'typo'"):
        check_project(project, fail_on=["typo"])


def test_drift_check_uses_cache_primed_by_update(
    tmp_path: Path, template: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dlscaffold._update import update_project

    project = make_project(tmp_path, template, vcs_ref="v1", name="old")
    update_project(project, defaults=True)
    commit_all(project, "update")
    import dlscaffold._engine as engine

    def no_render(**kwargs):
        raise AssertionError("rendered although the update cached the digests")

    monkeypatch.setattr(engine, "rendered", no_render)

    report = check_project(project)

    assert ids(report) == []
    assert yaml.safe_load((project / ".copier-answers.yml").read_text())["_commit"] == "v2"


def test_unreachable_template_is_a_finding(tmp_path: Path, project: Path, template: Path) -> None:
    import shutil

    shutil.rmtree(template)

    # `new` cached the pristine render's digests: drift is still checked on this machine.
    report = check_project(project)
    assert [f.id for f in report.findings] == ["template-unreachable"]
    assert report.exit_code == EXIT_FINDINGS

    shutil.rmtree(Path.home() / ".cache" / "dlscaffold")  # a fresh CI machine
    report = check_project(project)
    assert [f.id for f in report.findings] == ["template-unreachable", "drift-unchecked"]


def test_habit_reminders_warn_but_do_not_fail_by_default(tmp_path: Path) -> None:
    from dlscaffold import create_project

    raw = tmp_path / "raw"
    (raw / "cat").mkdir(parents=True)
    (raw / "cat" / "1.png").write_bytes(b"png")
    project = create_project(
        tmp_path / "proj", defaults=True, example_data=False, links={"pets": raw}
    ).path

    report = check_project(project)
    reminders = {f.id for f in report.findings if f.group == "reminders"}
    assert reminders == {"data-never-inspected", "data-never-verified"}
    assert not any(report.fails(f) for f in report.findings if f.group == "reminders")

    strict = check_project(project, fail_on=["all"])
    assert {"data-never-inspected", "data-never-verified"} <= {f.id for f in strict.failing}
