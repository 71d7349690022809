"""Update safety: rollback, tasks run once and only when trusted, sources that copier trips on."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml
from helpers import git, tree_digest
from test_update_support import (
    build_template,
    commit_all,
    make_project,
    project_with_slow_task,
    standard_template,
    v1_spec,
    v2_spec,
    write_spec,
)

import dlscaffold._update.apply as apply_module
from dlscaffold._generated.answers import AnswersError
from dlscaffold._template_history import record_version
from dlscaffold._update import EXIT_UPDATED, update_project
from dlscaffold._update.rollback import UpdateFailedError, UpdateInterruptedError
from dlscaffold.errors import UntrustedTemplateError


def work_tree(project: Path) -> dict[str, str]:
    return {k: v for k, v in tree_digest(project).items() if not k.startswith(".git/")}


@pytest.mark.parametrize("failure", [KeyboardInterrupt, OSError])
@pytest.mark.parametrize("when", ["at the fourth write", "after all writes"])
def test_interrupted_update_restores_the_project(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failure: type[BaseException], when: str
) -> None:
    project = make_project(tmp_path, standard_template(tmp_path, upto=2))
    (project / ".gitignore").write_text("logs/\nsrc/new.py\n")
    commit_all(project)
    (project / "logs").mkdir()
    (project / "logs/run.txt").write_text("my run\n")  # ignored, must survive
    (project / "src/new.py").write_text("mine\n")  # ignored, and v2 writes it: must come back
    before = work_tree(project)
    writes = []
    real_write = apply_module.write_entry

    def flaky_write(path, entry):
        writes.append(path)
        if len(writes) == 4 and when == "at the fourth write":
            raise failure()
        real_write(path, entry)

    def fail(*args):
        raise failure()

    monkeypatch.setattr(apply_module, "write_entry", flaky_write)
    if when == "after all writes":
        monkeypatch.setattr(apply_module, "apply_index_info", fail)
    expected = UpdateInterruptedError if failure is KeyboardInterrupt else UpdateFailedError
    index_before = git("ls-files", "--stage", cwd=project)

    with pytest.raises(expected, match=r"the project was restored to how it was before the upd"):
        update_project(project, defaults=True)

    assert len(writes) >= 4
    assert work_tree(project) == before
    assert git("ls-files", "--stage", cwd=project) == index_before
    assert not (project / ".git/dlscaffold-update").exists()
    assert yaml.safe_load((project / ".copier-answers.yml").read_text())["_commit"] == "v1"


def tasks_template(tmp_path: Path) -> Path:
    specs = {}
    for tag, spec in (("v1", v1_spec()), ("v2", v2_spec())):
        spec = dict(spec)
        spec["copier.yml"] += "_tasks:\n  - echo ran >> tasks.log\n"
        specs[tag] = spec
    return build_template(tmp_path / "template", specs)


def tasks_project(tmp_path: Path) -> Path:
    """A project made (trusted, so its task ran once) from v1 of `tasks_template`."""
    from dlscaffold._new import create_project

    return create_project(
        tmp_path / "proj",
        template=str(tasks_template(tmp_path)),
        vcs_ref="v1",
        defaults=True,
        trust=True,
        example_data=False,
    ).path


def test_tasks_run_once_in_the_project_when_trusted(tmp_path: Path) -> None:
    project = tasks_project(tmp_path)
    assert (project / "tasks.log").read_text() == "ran\n"
    update_project(project, defaults=True, trust=True, pretend=True)
    assert (project / "tasks.log").read_text() == "ran\n"  # a preview runs nothing

    result = update_project(project, defaults=True, trust=True)

    assert result.tasks_run
    assert (project / "tasks.log").read_text() == "ran\nran\n"


def test_untrusted_tasks_refuse_the_update_and_change_nothing(tmp_path: Path) -> None:
    project = tasks_project(tmp_path)
    before = work_tree(project)

    with pytest.raises(UntrustedTemplateError):
        update_project(project, defaults=True)

    assert work_tree(project) == before


def test_relative_src_path_works_from_any_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = make_project(tmp_path, standard_template(tmp_path, upto=2))
    answers_path = project / ".copier-answers.yml"
    answers = yaml.safe_load(answers_path.read_text())
    answers["_src_path"] = "../template"
    answers_path.write_text(yaml.safe_dump(answers))
    commit_all(project)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)

    result = update_project(project, defaults=True)

    assert result.exit_code == EXIT_UPDATED
    recorded = yaml.safe_load(answers_path.read_text())["_src_path"]
    assert recorded == str((tmp_path / "template").resolve())


def test_relative_src_path_is_repaired_even_without_a_new_version(tmp_path: Path) -> None:
    project = make_project(tmp_path, standard_template(tmp_path, upto=1))
    answers_path = project / ".copier-answers.yml"
    answers = yaml.safe_load(answers_path.read_text())
    answers["_src_path"] = "../template"
    answers_path.write_text(yaml.safe_dump(answers))
    commit_all(project)

    result = update_project(project, defaults=True)

    assert [c.path for c in result.changes] == [".copier-answers.yml"]
    recorded = yaml.safe_load(answers_path.read_text())
    assert (recorded["_src_path"], recorded["_commit"]) == (
        str((tmp_path / "template").resolve()),
        "v1",
    )


def test_project_from_unversioned_template_gets_a_clear_error(tmp_path: Path) -> None:
    project = make_project(tmp_path, standard_template(tmp_path, upto=1))
    answers_path = project / ".copier-answers.yml"
    answers = yaml.safe_load(answers_path.read_text())
    del answers["_commit"]
    answers_path.write_text(yaml.safe_dump(answers))
    commit_all(project)

    with pytest.raises(AnswersError, match="records no _commit: the template was not a git"):
        update_project(project, defaults=True)


def test_default_template_updates_offline_from_a_newer_bundle(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, isolated_home: Path
) -> None:
    import dlscaffold._templates as templates
    from dlscaffold._new import create_project

    old_bundle, new_bundle = tmp_path / "old/default.bundle", tmp_path / "new/default.bundle"
    for number, spec in enumerate((v1_spec(), v2_spec()), start=1):
        folder = tmp_path / f"src-v{number}"
        write_spec(folder, spec)
        for bundle in (old_bundle, new_bundle)[number - 1 :]:
            record_version(folder, bundle, version=f"0.{number}.0")
    monkeypatch.setattr(templates, "shipped_bundle", lambda: old_bundle)
    project = create_project(tmp_path / "proj", defaults=True, example_data=False).path
    assert yaml.safe_load((project / ".copier-answers.yml").read_text())["_commit"] == "v0.1.0"
    # A new machine: nothing installed, only the newer dlscaffold with its newer bundle.
    (isolated_home / ".local/share/dlscaffold/templates/default.bundle").unlink()
    monkeypatch.setattr(templates, "shipped_bundle", lambda: new_bundle)

    result = update_project(project, defaults=True)

    assert (result.old_version, result.new_version) == ("v0.1.0", "v0.2.0")
    answers = yaml.safe_load((project / ".copier-answers.yml").read_text())
    assert answers["_src_path"] == "~/.local/share/dlscaffold/templates/default.bundle"
    assert os.readlink(project / "configs/current.yaml") == "eval.yaml"


def test_migrations_run_once_when_trusted_and_refuse_otherwise(tmp_path: Path) -> None:
    v2 = v2_spec()
    v2["copier.yml"] += (
        "_migrations:\n  - version: v2\n    command: echo migrated >> migrations.log\n"
    )
    template = build_template(tmp_path / "template", {"v1": v1_spec(), "v2": v2})
    project = make_project(tmp_path, template)
    before = work_tree(project)

    with pytest.raises(UntrustedTemplateError, match="runs tasks or migrations"):
        update_project(project, defaults=True)
    assert work_tree(project) == before

    update_project(project, defaults=True, trust=True)

    assert (project / "migrations.log").read_text() == "migrated\n"


def test_ctrl_c_during_tasks_restores_the_project_and_exits_130(tmp_path: Path) -> None:
    import signal
    import subprocess
    import sys
    import time

    project = project_with_slow_task(tmp_path)
    before = work_tree(project)
    src = Path(__file__).resolve().parents[1] / "src"
    env = {**os.environ, "PYTHONPATH": f"{src}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "dlscaffold", "update", str(project), "--defaults", "--trust"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        start_new_session=True,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while not (project / "started.flag").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert (project / "started.flag").exists(), proc.communicate()
    os.killpg(proc.pid, signal.SIGINT)  # as Ctrl-C in a terminal: the whole group
    _, stderr = proc.communicate(timeout=60)

    assert proc.returncode == 130, stderr
    assert stderr.strip().endswith(
        "Error: Interrupted; the project was restored to how it was before the update (v1)."
    )
    assert work_tree(project) == before
