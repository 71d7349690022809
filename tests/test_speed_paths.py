"""Shortcuts that keep `check` and `update` fast give exactly what the slow way gives.

- a line for a stderr that is no terminal is written without rich, as rich writes it;
- a bundle's tags are read from its header, as `git ls-remote --tags` lists them;
- copier imported where nothing can be asked leaves questionary and prompt_toolkit out,
  and an interactive render in the same process still gets the real prompts.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from helpers import git

from dlscaffold._generated.source import _bundle_tags

PRINT_LINE = """\
import sys
from dlscaffold import _console
if sys.argv[2] == "rich":
    _console.err_console()  # made first: every line goes through rich
_console.success(sys.argv[1])
_console.info(sys.argv[1])
print("rich" in sys.modules)
"""


@pytest.mark.parametrize(
    "message", ["All checks passed (template v0.2.0).", "a [bold]b[/] :smile: c\\d", "tab\there"]
)
def test_plain_lines_match_what_rich_prints(message: str) -> None:
    def run(mode: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-c", PRINT_LINE, message, mode]
        return subprocess.run(command, capture_output=True, text=True, check=True)

    plain, rich = run("plain"), run("rich")
    assert plain.stderr == rich.stderr
    assert rich.stdout.strip() == "True"
    simple = message.isprintable() and not any(c in message for c in "[:\\")
    assert plain.stdout.strip() == str(not simple)  # rich stays out only for a plain line
    if simple:
        assert plain.stderr == f"{message}\n{message}\n"


def _ls_remote_tags(bundle: Path) -> set[str]:
    out = git("ls-remote", "--tags", "--", str(bundle), cwd=bundle.parent)
    return {
        line.split("\t", 1)[1].removeprefix("refs/tags/").removesuffix("^{}")
        for line in out.splitlines()
    }


@pytest.mark.parametrize("version", ["2", "3"])
def test_bundle_tags_are_what_git_lists(tmp_path: Path, version: str) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    git("init", "--quiet", cwd=repo)
    for i in range(3):
        (repo / "f").write_text(str(i))
        git("add", "f", cwd=repo)
        git("commit", "--quiet", "-m", f"c{i}", cwd=repo)
        git("tag", f"v0.{i}.0", cwd=repo)
    git("tag", "-a", "-m", "annotated", "v1.0.0", cwd=repo)
    git("tag", "not-a-version", cwd=repo)
    bundle = tmp_path / "t.bundle"
    git("bundle", "create", "--quiet", f"--version={version}", str(bundle), "--all", cwd=repo)
    tags = _bundle_tags(bundle)
    assert tags == _ls_remote_tags(bundle)
    assert tags is not None and {"v0.0.0", "v1.0.0", "not-a-version"} <= tags


def test_a_file_that_is_no_bundle_is_left_to_git(tmp_path: Path) -> None:
    other = tmp_path / "x.bundle"
    other.write_text("# v2 git bundle\nnot a ref line\n\n")
    assert _bundle_tags(other) is None
    other.write_text("hello\n")
    assert _bundle_tags(other) is None


IMPORT_COPIER = """\
import sys
from dlscaffold._engine import _import_copier, _real_prompts
_import_copier(prompts=False)
light = not any(m.split(".")[0] in ("questionary", "prompt_toolkit") for m in sys.modules)
import copier._main, copier._user_data
from questionary.prompts.common import Choice
c = copier._user_data.Choice("t", "v", disabled="no")
print(light, isinstance(c, Choice), (c.title, c.value, c.disabled, c.checked))
_real_prompts()
import questionary
c = copier._user_data.Choice("t", "v", disabled="no")
print(copier._main.unsafe_prompt is questionary.unsafe_prompt, isinstance(c, Choice))
print((c.title, c.value, c.disabled, c.checked))
"""


def test_copier_imports_without_prompt_libraries_until_a_prompt_needs_them() -> None:
    proc = subprocess.run(
        [sys.executable, "-c", IMPORT_COPIER], capture_output=True, text=True, check=True
    )
    first, second, real = proc.stdout.splitlines()
    light, is_real, stand_in = first.split(" ", 2)
    assert (light, is_real) == ("True", "False")
    assert second == "True True"
    assert stand_in == real  # the stand-in holds what the real Choice holds


@pytest.mark.parametrize(
    "args",
    [["check", "--help"], ["-q", "data", "list", "--help"], ["--no-color", "update", "-h"],
     ["new", "--help"], ["--help"], ["chek"], ["--version"]],
)  # fmt: skip
def test_the_app_built_for_one_command_behaves_as_the_whole_app(args: list[str]) -> None:
    import typer
    from typer.testing import CliRunner

    from dlscaffold._cli._app import COMMANDS, app, app_for

    lean = app_for(args)
    named = [a for a in args if a in COMMANDS]
    if named:
        assert lean is not app
        assert list(typer.main.get_command(lean).commands) == named[:1]
    else:
        assert lean is app
    runner = CliRunner()
    ours, whole = runner.invoke(lean, args), runner.invoke(app, args)
    assert (ours.exit_code, ours.output) == (whole.exit_code, whole.output)
