"""The conventions every command follows: `-p/--project`, global options anywhere, colour
switches, one `--json` envelope (errors included), examples in every `--help`, no `<bool>`,
shell completion of choice values, and `update` with nothing to do exiting 0.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import typer

from dlscaffold._check.findings import GROUPS
from dlscaffold._cli import app
from dlscaffold._data.link import link_dataset
from tests.test_data_helpers import Workspace
from tests.test_update_support import commit_all, make_project, standard_template

ENVELOPE_KEYS = ["schema", "command", "ok", "exit_code", "result", "error"]


def dlscaffold(*args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "dlscaffold", *args], cwd=cwd, capture_output=True, text=True,
        timeout=300, check=False, env={**os.environ, "COLUMNS": "200", **env},
    )  # fmt: skip


def envelope(result: subprocess.CompletedProcess[str], command: str) -> dict:
    data = json.loads(result.stdout)
    assert list(data) == ENVELOPE_KEYS
    assert data["schema"] == "dlscaffold/1" and data["command"] == command
    assert data["exit_code"] == result.returncode and data["ok"] is (result.returncode == 0)
    return data


def all_commands() -> list[list[str]]:
    root = typer.main.get_command(app)
    paths = [[]]
    for name, command in root.commands.items():
        paths.append([name])
        paths += [[name, sub] for sub in getattr(command, "commands", {})]
    return paths


@pytest.mark.parametrize("path", all_commands(), ids=lambda p: " ".join(p) or "dlscaffold")
def test_every_help_has_an_example_and_no_bool_type(tmp_path: Path, path: list[str]) -> None:
    result = dlscaffold(*path, "--help", cwd=tmp_path)

    assert result.returncode == 0
    assert "Examples:" in result.stdout and "$ dlscaffold " in result.stdout
    assert "<bool>" not in result.stdout
    for option in ("--quiet", "--verbose", "--no-color"):
        assert option in result.stdout, f"global option {option} missing"
    if path == ["check"]:
        assert f"Finding groups (for --fail-on): {', '.join(GROUPS)}." in result.stdout


def test_check_completes_fail_on_values(tmp_path: Path) -> None:
    env = {"_DLSCAFFOLD_COMPLETE": "complete_bash", "COMP_CWORD": "3"}

    groups = dlscaffold(cwd=tmp_path, COMP_WORDS="dlscaffold check --fail-on dr", **env)
    listed = dlscaffold(cwd=tmp_path, COMP_WORDS="dlscaffold check --fail-on drift,mark", **env)

    assert groups.stdout.split() == ["drift", "drift-modified", "drift-missing", "drift-unchecked"]
    assert listed.stdout.split() == ["drift,markers"]


def test_project_option_and_global_options_work_everywhere(ws: Workspace, tmp_path: Path) -> None:
    link_dataset(ws.project, "ds", ws.source())
    commit_all(ws.project, "link ds")
    inside = ws.project / "src"
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()

    for args in (
        ["data", "verify", "-p", str(inside)],
        ["-q", "data", "verify", "--project", str(inside)],
        ["data", "verify", "-p", str(inside), "-q"],
        ["data", "list", "-p", str(inside), "-v"],
        ["check", "-p", str(inside), "--no-drift", "-q"],
        ["-q", "check", "-p", str(inside), "--no-drift"],
        ["update", "-p", str(inside), "--defaults", "--diff", "-q"],
    ):
        result = dlscaffold(*args, cwd=elsewhere)
        assert result.returncode == 0, (args, result.stderr)
        if "-q" in args:
            assert result.stderr == "", (args, result.stderr)
        else:
            assert result.stderr or result.stdout, args

    both = dlscaffold("check", str(ws.project), "-p", str(elsewhere), cwd=elsewhere)
    assert both.returncode == 1
    assert both.stderr.strip().startswith("Error: Name the project once: --project")


def test_no_color_and_NO_COLOR_turn_colour_off(ws: Workspace) -> None:
    (ws.project / "README.md").write_text("changed\n")
    commit_all(ws.project, "edit")
    # A colour parameter of an SGR sequence (bold and the like stay, as NO_COLOR allows).
    colour = re.compile(r"\x1b\[(?:[0-9;]*;)?(?:3[0-8]|9[0-7])(?:;[0-9;]*)?m")

    forced = dlscaffold("check", "--fail-on", "all", cwd=ws.project, FORCE_COLOR="1")
    flag = dlscaffold("check", "--no-color", "--fail-on", "all", cwd=ws.project, FORCE_COLOR="1")
    env = dlscaffold("check", "--fail-on", "all", cwd=ws.project, FORCE_COLOR="1", NO_COLOR="1")
    root_flag = dlscaffold(
        "--no-color", "check", "--fail-on", "all", cwd=ws.project, FORCE_COLOR="1"
    )

    assert colour.search(forced.stderr), "FORCE_COLOR should colour the output"
    for result in (flag, env, root_flag):
        assert result.returncode == forced.returncode != 0
        assert not colour.search(result.stderr + result.stdout), result.stderr


def test_json_of_check_and_data_commands(ws: Workspace) -> None:
    link_dataset(ws.project, "ds", ws.source())
    commit_all(ws.project, "link ds")

    check = envelope(dlscaffold("check", "--json", "--no-drift", cwd=ws.project), "check")
    listing = envelope(dlscaffold("data", "list", "--json", cwd=ws.project), "data list")
    verify = envelope(dlscaffold("data", "verify", "--json", cwd=ws.project), "data verify")
    (ws.source() / "cat" / "new.bin").write_bytes(b"x")  # the source is read-only for others
    changed = dlscaffold("data", "verify", "ds", "--json", cwd=ws.project)

    assert check["result"]["project"] == str(ws.project) and check["error"] is None
    assert [row["name"] for row in listing["result"]["datasets"]] == ["ds"]
    assert verify["result"]["datasets"][0]["status"] == "ok" and verify["result"]["ok"]
    bad = envelope(changed, "data verify")
    assert changed.returncode == 7 and bad["ok"] is False
    assert bad["result"]["datasets"][0]["added"] == ["cat/new.bin"]

    completion = {"_DLSCAFFOLD_COMPLETE": "complete_bash", "COMP_CWORD": "3"}
    for words in ("dlscaffold data verify d", "dlscaffold data unlink "):
        names = dlscaffold(cwd=ws.project / "src", COMP_WORDS=words, **completion)
        assert names.stdout.split() == ["ds"], words


def test_errors_are_json_too(tmp_path: Path) -> None:
    result = dlscaffold("check", "-p", str(tmp_path / "nope"), "--json", cwd=tmp_path)

    data = envelope(result, "check")
    assert result.returncode == 1 and data["result"] is None
    assert data["error"] == {"message": f"Folder '{tmp_path / 'nope'}' does not exist.",
                             "kind": "UserError"}  # fmt: skip
    assert result.stderr.strip() == f"Error: Folder '{tmp_path / 'nope'}' does not exist."


def test_new_json(tmp_path: Path) -> None:
    result = dlscaffold("new", "demo", "--defaults", "--no-example-data", "--json", cwd=tmp_path)

    data = envelope(result, "new")
    assert data["result"]["path"] == str(tmp_path / "demo")
    assert data["result"]["answers"]["package_name"] == "demo"
    assert data["result"]["template_version"].startswith("v")
    assert data["result"]["datasets"] == [] and len(data["result"]["commit"]) == 40


def test_update_json_and_nothing_to_do_exits_0(tmp_path: Path) -> None:
    project = make_project(tmp_path, standard_template(tmp_path, upto=2))

    preview = dlscaffold("update", "--defaults", "--diff", "--patch", "--json", cwd=project)
    applied = dlscaffold("update", "--defaults", "--json", cwd=project)
    commit_all(project, "update")
    again = dlscaffold("update", "--defaults", "--json", cwd=project)

    before = envelope(preview, "update")["result"]
    assert before["preview"] and not before["applied"] and not before["nothing_to_do"]
    assert "patch" in next(c for c in before["changes"] if c["path"] == "src/new.py")
    after = envelope(applied, "update")["result"]
    assert after["applied"] and (after["old_version"], after["new_version"]) == ("v1", "v2")
    assert [c["path"] for c in after["changes"]] == [c["path"] for c in before["changes"]]
    assert again.returncode == 0
    assert envelope(again, "update")["result"]["nothing_to_do"] is True
    assert "Nothing to do" in again.stderr
