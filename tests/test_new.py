"""`dlscaffold new` through the CLI: the default template, other templates, bad input."""

from __future__ import annotations

import stat
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

import dlscaffold._new
from dlscaffold._cli import app
from dlscaffold._templates import DEFAULT_TEMPLATE_SRC
from tests.helpers import git, make_template_repo, tree_digest

runner = CliRunner()


def run_cli(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output


def test_new_defaults_renders_commits_and_links_example_data(tmp_path: Path) -> None:
    dest = tmp_path / "demo"
    code, output = run_cli("new", str(dest), "--defaults")

    assert code == 0, output
    answers = yaml.safe_load((dest / ".copier-answers.yml").read_text())
    assert answers["_src_path"] == DEFAULT_TEMPLATE_SRC  # literal ~: works on any machine
    assert answers["_commit"].startswith("v")
    assert answers["project_name"] == "demo" and answers["package_name"] == "demo"
    assert git("status", "--porcelain", cwd=dest) == ""
    assert len(git("rev-list", "--all", cwd=dest).split()) == 1
    # The link (not the data) is committed, so a clone with the same layout finds its data.
    assert git("ls-files", "--stage", "data/digits", cwd=dest).startswith("120000")
    link = dest / "data" / "digits"
    assert link.is_symlink() and not Path(link.readlink()).is_absolute()
    assert len(list(link.resolve().rglob("*.png"))) == 1797
    assert not link.resolve().stat().st_mode & stat.S_IWUSR  # raw data protected
    registry = yaml.safe_load((dest / "data" / "datasets.yaml").read_text())
    assert registry["datasets"]["digits"]["manifest"]["files"] == 1797
    assert not list(tmp_path.glob(".demo.*")), "staging folder left behind"


def test_new_commits_without_a_git_identity(tmp_path: Path, no_git_identity: None) -> None:
    code, output = run_cli("new", str(tmp_path / "demo"), "--defaults", "--no-example-data")

    assert code == 0, output
    assert git("log", "--format=%an", cwd=tmp_path / "demo").strip() == "dlscaffold"


def test_new_takes_data_answers(tmp_path: Path) -> None:
    code, output = run_cli(
        "new", str(tmp_path / "my-proj"), "--defaults", "--no-example-data",
        "--data", "package_name=vision_lab",
    )  # fmt: skip

    assert code == 0, output
    answers = yaml.safe_load((tmp_path / "my-proj" / ".copier-answers.yml").read_text())
    assert answers["project_name"] == "my-proj"
    assert answers["package_name"] == "vision_lab"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--data", "nonsense=1"], "Error: Unknown answer 'nonsense': this template asks"),
        (["--data", "package_name=1abc"], "package_name must be a lowercase Python identifier"),
        (["--data", "package_name"], "Error: --data expects KEY=VALUE, got 'package_name'."),
        (["--template", "does-not-exist"], "Error: Cannot use template 'does-not-exist'"),
        (["--vcs-ref", "v9.0"], "Error: Template version 'v9.0' does not exist in dlscaffold's"),
    ],
)
def test_new_rejects_bad_input_and_writes_nothing(
    tmp_path: Path, args: list[str], message: str
) -> None:
    before = tree_digest(tmp_path)

    code, output = run_cli("new", str(tmp_path / "demo"), "--defaults", *args)

    assert code == 1
    assert message in output
    assert len(output.strip().splitlines()) == 1, output
    assert tree_digest(tmp_path) == before


def test_new_refuses_a_non_empty_destination(tmp_path: Path) -> None:
    dest = tmp_path / "demo"
    dest.mkdir()
    (dest / "notes.txt").write_text("mine")
    before = tree_digest(tmp_path)

    code, output = run_cli("new", str(dest), "--defaults")

    assert code == 1
    assert (
        output.strip()
        == f"Error: Destination '{dest}' exists and is not empty; choose a new folder."
    )
    assert tree_digest(tmp_path) == before


def test_new_fills_an_existing_empty_destination(tmp_path: Path) -> None:
    (tmp_path / "demo").mkdir()

    code, output = run_cli("new", str(tmp_path / "demo"), "--defaults", "--no-example-data")

    assert code == 0, output
    assert (tmp_path / "demo" / ".copier-answers.yml").is_file()


def test_new_wrong_type_names_the_question(tmp_path: Path) -> None:
    template = make_template_repo(
        tmp_path / "tpl",
        {"copier.yml": "epochs:\n  type: int\n  default: 3\n", "e.txt.jinja": "{{ epochs }}\n"},
    )
    code, output = run_cli(
        "new", str(tmp_path / "p"), "--defaults", "--template", str(template), "-d", "epochs=many"
    )

    assert code == 1
    assert output.strip() == "Error: Answer epochs='many' is not a valid int."
    assert not (tmp_path / "p").exists()


def test_new_interrupted_leaves_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupt(*_args: object, **_kwargs: object) -> str:
        raise KeyboardInterrupt

    monkeypatch.setattr(dlscaffold._new, "commit_all", interrupt)
    before = tree_digest(tmp_path)

    code, output = run_cli("new", str(tmp_path / "demo"), "--defaults")

    assert code == 130
    assert "Interrupted" in output
    assert tree_digest(tmp_path) == before


def test_new_without_terminal_names_the_question_it_cannot_ask(tmp_path: Path) -> None:
    before = tree_digest(tmp_path)

    code, output = run_cli("new", str(tmp_path / "demo"))

    assert code == 1
    assert output.strip() == (
        "Error: Question 'project_name' needs an answer and input is not a terminal: pass "
        "--data project_name=VALUE, or --defaults to take the default answers."
    )
    assert tree_digest(tmp_path) == before


@pytest.mark.parametrize(
    ("folder", "package"),
    [("2024-MNIST", "mnist"), ("test", "test_project"), ("My Proj", "my_proj")],
)
def test_folder_names_give_valid_package_names(tmp_path: Path, folder: str, package: str) -> None:
    code, output = run_cli("new", str(tmp_path / folder), "--defaults", "--no-example-data")

    assert code == 0, output
    answers = yaml.safe_load((tmp_path / folder / ".copier-answers.yml").read_text())
    assert answers["package_name"] == package


def test_new_inside_another_repository_leaves_it_untouched(tmp_path: Path) -> None:
    parent = tmp_path / "parent"
    parent.mkdir()
    git("init", "--quiet", cwd=parent)
    (parent / "a.txt").write_text("a\n")
    git("add", "a.txt", cwd=parent)
    git("commit", "--quiet", "-m", "a", cwd=parent)

    code, output = run_cli("new", str(parent / "sub"), "--defaults")

    assert code == 0, output
    assert git("status", "--porcelain", "--untracked-files=no", cwd=parent) == ""
    assert git("rev-parse", "--show-toplevel", cwd=parent / "sub").strip() == str(parent / "sub")
    assert "data/digits" in git("ls-files", cwd=parent / "sub")


def test_other_template_records_absolute_source_and_version(tmp_path: Path, monkeypatch) -> None:
    template = make_template_repo(
        tmp_path / "tpl",
        {"copier.yml": "name:\n  type: str\n  default: x\n", "{{name}}.txt.jinja": "hi {{name}}\n",
         "{{_copier_conf.answers_file}}.jinja": "{{ _copier_answers|to_nice_yaml }}"},
        tag="v2.0.0",
    )  # fmt: skip
    monkeypatch.chdir(tmp_path)

    code, output = run_cli("new", "proj", "--defaults", "--template", "tpl")

    assert code == 0, output
    answers = yaml.safe_load((tmp_path / "proj" / ".copier-answers.yml").read_text())
    assert answers["_src_path"] == str(template)  # absolute: update works from anywhere
    assert answers["_commit"] == "v2.0.0"
    assert (tmp_path / "proj" / "x.txt").read_text() == "hi x\n"
    assert not (tmp_path / "proj" / "data").exists(), "example data is for the default template"


def test_template_with_tasks_needs_trust(tmp_path: Path) -> None:
    template = make_template_repo(
        tmp_path / "tpl",
        {"copier.yml": "_tasks:\n  - touch task-ran\n", "a.txt": "a\n"},
    )

    code, output = run_cli("new", str(tmp_path / "p"), "--defaults", "--template", str(template))
    assert code == 4
    assert "pass --trust" in output
    assert not (tmp_path / "p").exists()

    code, output = run_cli(
        "new", str(tmp_path / "p"), "--defaults", "--template", str(template), "--trust"
    )
    assert code == 0, output
    assert (tmp_path / "p" / "task-ran").exists()


def test_plain_folder_template_warns_it_cannot_update(tmp_path: Path) -> None:
    template = tmp_path / "tpl"
    template.mkdir()
    (template / "copier.yml").write_text("name:\n  type: str\n  default: x\n")

    code, output = run_cli("new", str(tmp_path / "p"), "--defaults", "--template", str(template))

    assert code == 0, output
    assert "is not a git repository" in output


def test_new_links_extra_datasets(tmp_path: Path) -> None:
    source = tmp_path / "raw" / "cats"
    (source / "a").mkdir(parents=True)
    (source / "a" / "1.png").write_bytes(b"x")

    code, output = run_cli(
        "new", str(tmp_path / "demo"), "--defaults", "--no-example-data",
        "--link", f"cats={source}",
    )  # fmt: skip

    assert code == 0, output
    link = tmp_path / "demo" / "data" / "cats"
    assert link.readlink() == Path("../../raw/cats")
    assert link.resolve() == source.resolve()


def test_version_and_help_run_as_a_module() -> None:
    version = subprocess.run(
        [sys.executable, "-m", "dlscaffold", "--version"], capture_output=True, text=True
    )
    assert version.returncode == 0
    assert version.stdout.strip() == f"dlscaffold {dlscaffold.__version__}"
    helptext = subprocess.run(
        [sys.executable, "-m", "dlscaffold", "new", "--help"], capture_output=True, text=True
    )
    assert helptext.returncode == 0
    assert "Generate a new deep-learning project at DEST." in helptext.stdout


import dlscaffold  # noqa: E402  (kept last: the test above needs the package itself)


def test_linked_dataset_becomes_the_one_the_config_trains_on(tmp_path: Path) -> None:
    source = tmp_path / "raw" / "shapes"
    (source / "circle").mkdir(parents=True)
    (source / "circle" / "1.png").write_bytes(b"x")

    code, output = run_cli(
        "new", str(tmp_path / "demo"), "--defaults", "--link", f"shapes={source}"
    )

    assert code == 0, output
    config = (tmp_path / "demo" / "configs" / "default.yaml").read_text()
    assert "root: data/shapes" in config
    assert not (tmp_path / "demo" / "data" / "digits").exists(), "the example is replaced"


def test_a_dataset_name_given_twice_is_refused(tmp_path: Path) -> None:
    code, output = run_cli(
        "new", str(tmp_path / "demo"), "--defaults", "--link", "a=x", "--link", "a=y"
    )

    assert code == 1
    assert output.strip() == "Error: --link names 'a' twice; give each once."
    assert not (tmp_path / "demo").exists()
