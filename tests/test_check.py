"""`check_project`: each finding, `--fail-on`, and a check that changes nothing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import types
from pathlib import Path

import pytest
import yaml
from helpers import check_in_a_fresh_process, git, tree_digest
from test_update_support import commit_all, make_project, standard_template
from user_edits import apply_edits

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
    assert report.exit_code == EXIT_PASSED  # drift is shown, not failed, by default
    assert not report.failing
    assert check_project(project, strict=True).exit_code == EXIT_FINDINGS
    assert check_project(project, fail_on=["strict"]).exit_code == EXIT_FINDINGS
    assert ids(check_project(project, ignore=["src/*", "configs/eval.yaml"])) == []
    assert ids(check_project(project, ignore=["drift-modified:src/*"])) == [
        ("drift-missing", "configs/eval.yaml")
    ]
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
    (project / "mlruns/0").mkdir(parents=True)
    (project / "mlruns/0/meta.yaml").write_text("name: Default\n")
    git("add", "models", "mlruns", cwd=project)

    report = check_project(project, drift=False)

    assert set(ids(report)) == {
        ("tracked-artifact", "models/best.pt"),
        ("tracked-artifact", "mlruns/0/meta.yaml"),
        ("data-absolute-link", "data/absolute"),
        ("data-unregistered-link", "data/absolute"),
        ("data-missing-target", "data/broken"),
        ("data-unregistered-link", "data/broken"),
        ("data-unregistered-link", "data/good"),
    }
    assert all(f.group == "data" for f in report.findings)
    # What git carries to every clone fails; the state of this machine's data only warns.
    assert {(f.id, f.path) for f in report.failing} == {
        ("tracked-artifact", "models/best.pt"),
        ("tracked-artifact", "mlruns/0/meta.yaml"),
        ("data-absolute-link", "data/absolute"),
    }


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

    assert check_project(project).exit_code == EXIT_UPDATE_AVAILABLE  # drift only warns
    assert check_project(project, strict=True).exit_code == EXIT_FINDINGS
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


def test_habit_reminders_are_reported_only_when_asked_for(tmp_path: Path) -> None:
    from dlscaffold import create_project

    raw = tmp_path / "raw"
    (raw / "cat").mkdir(parents=True)
    (raw / "cat" / "1.png").write_bytes(b"png")
    project = create_project(
        tmp_path / "proj", defaults=True, example_data=False, links={"pets": raw}
    ).path

    report = check_project(project)
    assert not [f for f in report.findings if f.group == "reminders"]
    assert report.exit_code == EXIT_PASSED

    asked = check_project(project, fail_on=["default,reminders"])
    assert {f.id for f in asked.failing} == {"data-never-inspected", "data-never-verified"}
    strict = check_project(project, fail_on=["all"])
    assert {"data-never-inspected", "data-never-verified"} <= {f.id for f in strict.failing}


def write_ignores(project: Path, *entries: str) -> None:
    listed = ", ".join(f'"{e}"' for e in entries)
    with (project / "pyproject.toml").open("a") as f:
        f.write(f"\n[tool.dlscaffold.check]\nignore = [{listed}]\n")


def test_lasting_ignores_live_in_pyproject(project: Path) -> None:
    (project / "src/main.py").write_text("changed\n")
    (project / "configs/eval.yaml").unlink()
    (project / "configs/paths.yaml").write_text("root: /home/me/data\n")
    write_ignores(
        project,
        "drift-modified:src/main.py",
        "drift-modified:pyproject.toml",
        "config-absolute-path:configs/paths.yaml",
        "drift-modifed:src/other.py",
    )
    commit_all(project)

    report = check_project(project, strict=True)

    assert ids(report) == [
        ("drift-missing", "configs/eval.yaml"),
        ("settings-unknown", "pyproject.toml"),
    ]
    assert "'drift-modifed'" in report.findings[1].message
    assert not report.fails(report.findings[1])  # an unknown id warns
    assert [f.id for f in report.failing] == ["drift-missing"]
    assert {(f.id, f.path) for f in report.ignored} == {
        ("drift-modified", "src/main.py"),
        ("config-absolute-path", "configs/paths.yaml"),
    }
    assert report.as_dict()["ignored"][0]["id"] in {"drift-modified", "config-absolute-path"}
    # A group without a glob ignores the whole group, on top of the project's list.
    assert [f.id for f in check_project(project, strict=True, ignore=["drift"]).failing] == []


@pytest.mark.parametrize(
    ("table", "expected"),
    [
        ('[tool.dlscaffold.check]\nignore = "drift"\n', "settings-invalid"),
        ("[tool.dlscaffold]\ncheck = 3\n", "settings-invalid"),
        ('tool = "dlscaffold"\n', "settings-invalid"),
        ("[tool.dlscaffold.check]\nignroe = []\n", "settings-unknown"),
        ("[tool.dlscaffold.check\n", "config-invalid"),
    ],
)
def test_broken_check_settings_are_findings(project: Path, table: str, expected: str) -> None:
    (project / "pyproject.toml").write_text(table)

    report = check_project(project, drift=False)

    assert ids(report) == [(expected, "pyproject.toml")]
    assert report.exit_code == (EXIT_PASSED if expected == "settings-unknown" else EXIT_FINDINGS)


# --- End to end, with the working tree's template as the newest version -----------------------

REPO_ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def current_template(isolated_home: Path) -> str:
    """Put templates/default on top of the shipped bundle in the per-user location (where
    `dlscaffold new` and `check` find it) and return its tag: tests see what will ship."""
    import shutil

    from dlscaffold import __version__
    from dlscaffold._generated.source import list_versions
    from dlscaffold._template_history import record_version
    from dlscaffold._templates import DEFAULT_TEMPLATE_SRC, shipped_bundle

    bundle = Path(DEFAULT_TEMPLATE_SRC).expanduser()
    bundle.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(shipped_bundle(), bundle)
    tag = record_version(REPO_ROOT / "templates" / "default", bundle, version=__version__)
    return tag or list_versions(str(bundle))[-1]  # unchanged: the bundle's newest version


def dlscaffold(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "COLUMNS": "200"}
    return subprocess.run(
        [sys.executable, "-m", "dlscaffold", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )


def test_fresh_project_passes_check_without_a_warning(tmp_path: Path, current_template: str):
    created = dlscaffold("new", "x", "--defaults", cwd=tmp_path)
    assert created.returncode == 0, created.stderr
    project = tmp_path / "x"
    assert (project / "data/digits").is_symlink()  # `new` linked and fingerprinted it

    checked = dlscaffold("check", cwd=project)
    as_json = dlscaffold("check", "--json", cwd=project)

    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "warn" not in checked.stdout + checked.stderr
    assert "All checks passed" in checked.stderr
    report = json.loads(as_json.stdout)["result"]
    assert (report["findings"], report["exit_code"]) == ([], 0)
    assert report["template_version"] == current_template


def test_generated_ci_and_pre_commit_run_the_default_gate_pinned(
    tmp_path: Path, current_template: str
) -> None:
    created = dlscaffold("new", "x", "--defaults", cwd=tmp_path)
    assert created.returncode == 0, created.stderr
    project = tmp_path / "x"
    pin = f"dlscaffold=={current_template.removeprefix('v')}"

    workflow = (project / ".github/workflows/ci.yml").read_text()
    steps = yaml.safe_load(workflow)["jobs"]["test"]["steps"]
    script = next(s["run"] for s in steps if "dlscaffold check" in s.get("run", ""))
    assert script.split("\n")[:2] == [f'python -m pip install "{pin}"', "dlscaffold check"]
    hooks = yaml.safe_load((project / ".pre-commit-config.yaml").read_text())
    hook = next(h for r in hooks["repos"] for h in r["hooks"] if h["id"] == "dlscaffold-check")
    assert (hook["entry"], hook["additional_dependencies"]) == ("dlscaffold check", [pin])
    ours = yaml.safe_load((REPO_ROOT / ".pre-commit-hooks.yaml").read_text())
    assert [(h["entry"], h.get("args", [])) for h in ours] == [("dlscaffold check", [])]

    # A CI machine: a clone without the datasets, the default gate.
    clone = tmp_path / "ci" / "checkout"
    git("clone", "--quiet", str(project), str(clone), cwd=tmp_path)
    assert not (clone / "data/digits").exists()
    checked = dlscaffold("check", cwd=clone)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "data-missing-target" in checked.stdout  # shown, not failed


def test_following_the_readme_keeps_check_green(tmp_path: Path, current_template: str) -> None:
    created = dlscaffold("new", "x", "--defaults", cwd=tmp_path)
    assert created.returncode == 0, created.stderr
    project = tmp_path / "x"
    raw = tmp_path / "raw"
    (raw / "cat").mkdir(parents=True)
    (raw / "cat" / "1.png").write_bytes(b"png")
    linked = dlscaffold("data", "link", "mydata", str(raw), cwd=project)
    assert linked.returncode == 0, linked.stderr
    edited = apply_edits(project, "x")  # a network as the README says, a tuned config, a note
    (project / "configs/mydata.yaml").write_text(
        "defaults:\n  - default\n\ndata:\n  name: mydata\n  root: data/mydata\n"
    )
    commit_all(project, "tiny network, mydata")

    checked = dlscaffold("check", "--json", cwd=project)
    report = json.loads(checked.stdout)["result"]
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert {(f["id"], f["path"], f["fails"]) for f in report["findings"]} == {
        ("drift-modified", path, False) for path in edited
    }

    strict = dlscaffold("check", "--strict", cwd=project)
    assert strict.returncode == EXIT_FINDINGS, strict.stdout + strict.stderr

    write_ignores(project, *(f"drift-modified:{p}" for p in [*edited, "pyproject.toml"]))
    commit_all(project, "keep my edits of template files")
    strict = dlscaffold("check", "--strict", cwd=project)
    assert strict.returncode == 0, strict.stdout + strict.stderr
    assert "warn" not in strict.stdout
    assert f"{len(edited) + 1} ignored" in strict.stderr


def test_help_lists_every_finding_group_and_id(tmp_path: Path) -> None:
    from dlscaffold._check.findings import GROUPS

    shown = dlscaffold("check", "--help", cwd=tmp_path)

    assert shown.returncode == 0, shown.stderr
    text = " ".join(shown.stdout.split())
    missing = [name for group, ids in GROUPS.items() for name in (group, *ids) if name not in text]
    assert not missing, missing


def test_a_warm_check_imports_neither_pydantic_nor_copier(project: Path) -> None:
    """The warm path's budget (0.5 s) has no room for either (see benchmarks/bench_check.py):
    typer's pydantic coercion is bypassed for plain parameters, copier only renders."""
    check_project(project)  # warms the render cache
    done = check_in_a_fresh_process(project, "--ignore", "drift:x")

    assert "LOADED [] 0" in done.stderr, done.stderr
    assert json.loads(done.stdout)["result"]["passed"] is True
