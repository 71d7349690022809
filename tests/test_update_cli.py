"""`dlscaffold update` and `dlscaffold check` on the command line: exit codes and messages."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import tree_digest
from test_update_support import MAIN_V1, commit_all, make_project, standard_template
from typer.testing import CliRunner

from dlscaffold._cli import app

runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, list(args))


def flat(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return make_project(tmp_path, standard_template(tmp_path, upto=2))


def test_update_applies_and_exits_0(project: Path) -> None:
    result = run("update", "proj", "--defaults")

    assert result.exit_code == 0, result.output
    assert "Updated proj from template v1 to v2." in flat(result.stderr)
    assert "No conflicts. Review with `git diff`, then commit." in flat(result.stderr)
    assert "src/new.py" in result.stdout


def test_update_with_conflicts_exits_5_and_names_the_files(project: Path) -> None:
    (project / "src/main.py").write_text(MAIN_V1.replace("line 2\n", "line 2 (mine)\n"))
    commit_all(project)

    result = run("update", "proj", "--defaults")

    assert result.exit_code == 5
    assert "conflict" in result.stdout
    assert (
        "Warning: 1 file(s) hold conflict markers: src/main.py. Resolve them, then commit."
        in flat(result.stderr)
    )


def test_update_with_nothing_to_do_exits_0_like_git_pull(project: Path) -> None:
    assert run("update", "proj", "--defaults").exit_code == 0
    commit_all(project, "update")

    result = run("update", "proj", "--defaults")

    assert result.exit_code == 0
    assert flat(result.stderr) == "Nothing to do: proj is at template version v2."


def test_update_refuses_a_dirty_tree_with_one_line(project: Path) -> None:
    (project / "README.md").write_text("dirty\n")

    result = run("update", "proj", "--defaults")

    assert result.exit_code == 1
    assert result.stderr == (
        "Error: Project 'proj' has uncommitted changes; commit or stash them, then update "
        "(or preview with --diff).\n"
    )


def test_update_without_a_terminal_names_the_question_it_cannot_ask(project: Path) -> None:
    before = tree_digest(project)

    result = run("update", "proj")

    assert result.exit_code == 1
    assert flat(result.stderr) == (
        "Error: Question 'license' needs an answer and input is not a terminal: pass "
        "--data license=VALUE, or --defaults to take the default answers."
    )
    assert tree_digest(project) == before


def test_update_without_a_terminal_runs_when_nothing_must_be_asked(project: Path) -> None:
    result = run("update", "proj", "--data", "license=MIT")

    assert result.exit_code == 0, result.stderr


def test_diff_previews_with_patch_and_writes_nothing(project: Path) -> None:
    before = tree_digest(project)

    result = run("update", "proj", "--diff", "--patch", "--defaults")

    assert result.exit_code == 0
    assert tree_digest(project) == before
    assert "Would update proj from template v1 to v2." in flat(result.stderr)
    assert "+++ b/src/new.py" in result.stdout
    assert "-lr: 0.1\n+lr: 0.01\n" in result.stdout


def test_check_passes_after_update_and_reports_json(project: Path) -> None:
    behind = run("check", "proj", "--json")
    assert behind.exit_code == 3
    assert [f["id"] for f in json.loads(behind.stdout)["result"]["findings"]] == ["behind-template"]
    run("update", "proj", "--defaults")
    commit_all(project, "update")

    result = run("check", "proj")

    assert result.exit_code == 0
    assert flat(result.stderr) == "All checks passed (template v2)."


def test_check_fails_with_a_table_and_exit_7(project: Path) -> None:
    (project / "src/main.py").write_text("changed\n")

    result = run("check", "proj", "--fail-on", "drift")

    assert result.exit_code == 7
    assert "drift-modified" in result.stdout
    assert "warn" in result.stdout  # behind-template is shown but does not fail
    assert flat(result.stderr) == "Error: 1 finding(s) fail the check (template v1)."


def test_check_rejects_unknown_fail_on(project: Path) -> None:
    result = run("check", "proj", "--fail-on", "typo")

    assert result.exit_code == 1
    assert flat(result.stderr).startswith("Error: Unknown --fail-on value 'typo'")


def test_answers_file_option_for_templates_that_rename_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from test_update_support import build_template, v1_spec, v2_spec

    specs = {"v1": v1_spec(), "v2": v2_spec()}
    for spec in specs.values():
        spec["copier.yml"] = spec["copier.yml"].replace(
            "_answers_file: .copier-answers.yml", "_answers_file: .answers/dl.yml"
        )
    monkeypatch.chdir(tmp_path)
    project = make_project(tmp_path, build_template(tmp_path / "t", specs))
    assert (project / ".answers/dl.yml").is_file()

    assert run("check", "proj", "--answers-file", ".answers/dl.yml").exit_code == 3
    result = run("update", "proj", "--defaults", "--answers-file", ".answers/dl.yml")

    assert result.exit_code == 0, result.output
    assert "v2" in (project / ".answers/dl.yml").read_text()


def test_update_and_check_find_the_project_from_a_subfolder(project: Path) -> None:
    (project / "src").mkdir(exist_ok=True)

    checked = run("check", str(project / "src"), "--no-drift", "--json")
    updated = run("update", str(project / "src"), "--defaults", "--diff")

    assert json.loads(checked.stdout)["result"]["project"] == str(project)
    assert updated.exit_code == 0, updated.stderr
    assert (
        run("check", str(project / "nope")).stderr
        == f"Error: Folder '{project / 'nope'}' does not exist.\n"
    )
