"""Parity with `copier update` on a template shaped like a public Python-package template.

Tags `v1.0.0` and `v2.0.0`; v2 turns the bool question `custom_install` into a choice and drops
the `python_version` choice `3.9`, so a v1 project's answers are no longer valid. Also:
`_skip_if_exists`, Jinja's `do` and `loopcontrols` extensions, TOML and YAML edits on both
sides, a deleted file, a new conditional file, an executable script and a symlink.
"""

from __future__ import annotations

import fcntl
import os
import pty
import select
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest
from helpers import git, tree_digest
from parity_support import Twins, differences, make_template, twin_projects, update_both
from test_update_support import ANSWERS, ANSWERS_BODY, Link, Spec

from dlscaffold import update_project

COPIER_V1 = """\
_subdirectory: template
_skip_if_exists: [CHANGELOG.md]
_jinja_extensions: [jinja2.ext.do, jinja2.ext.loopcontrols]
_preserve_symlinks: true
project_name:
  type: str
  help: Your project's name
module_name:
  type: str
  default: "{{ project_name | lower | replace('-', '_') }}"
custom_install:
  type: bool
  default: false
python_version:
  type: str
  default: "3.10"
  choices: ["3.9", "3.10", "3.11"]
"""
COPIER_V2 = COPIER_V1.replace(
    "custom_install:\n  type: bool\n  default: false",
    "custom_install:\n  type: str\n  default: custom\n  choices: [library, application, custom]",
).replace(
    'default: "3.10"\n  choices: ["3.9", "3.10", "3.11"]',
    'default: "3.11"\n  choices: ["3.10", "3.11", "3.12"]',
)
DESCRIPTION = "A library " + "that does many useful things " * 12  # longer than any terminal
PYPROJECT_V1 = f"""\
[project]
name = "{{{{ project_name }}}}"
version = "0.1.0"
description = "{DESCRIPTION}"
requires-python = ">={{{{ python_version }}}}"
dependencies = [
{{%- for dep in ["numpy", "requests", "skipme", "rich"] %}}
{{%- if dep == "skipme" %}}{{% continue %}}{{% endif %}}
  "{{{{ dep }}}}",
{{%- endfor %}}
]

[tool.ruff]
line-length = 88
"""
PYPROJECT_V2 = PYPROJECT_V1.replace(
    "line-length = 88",
    "line-length = 100\ntarget-version = \"py{{ python_version | replace('.', '') }}\"",
)
CI_V1 = """\
name: ci
on: [push]
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v3
      - uses: actions/setup-python@v4
        with:
          python-version: '{{ python_version }}'
"""
README = (
    "# {{ project_name }}\n\n{% set features = [] %}{% do features.append('fast') %}"
    "Features: {{ features | join(', ') }}\n"
)


def v1() -> Spec:
    return {
        "copier.yml": COPIER_V1,
        f"template/{ANSWERS}": ANSWERS_BODY,
        "template/pyproject.toml.jinja": PYPROJECT_V1,
        "template/README.md.jinja": README,
        "template/CHANGELOG.md": "# Changelog\n",
        "template/.gitignore": "__pycache__/\n",
        "template/src/{{module_name}}/__init__.py.jinja": '"""{{ project_name }}."""\n',
        "template/setup.cfg": "[metadata]\nname = x\n",
        "template/docs/index.md": Link("../README.md"),
        "template/.github/workflows/ci.yml.jinja": CI_V1,
        "template/scripts/release.sh": "#!/bin/sh\necho release\n",
    }


def v2() -> Spec:
    spec = v1()
    del spec["template/setup.cfg"]
    spec.update(
        {
            "copier.yml": COPIER_V2,
            "template/pyproject.toml.jinja": PYPROJECT_V2,
            "template/CHANGELOG.md": "# Changelog\n\nAll notable changes.\n",
            "template/.github/workflows/ci.yml.jinja": CI_V1.replace("@v4", "@v5"),
            "template/{% if custom_install == 'custom' %}install.sh{% endif %}.jinja": (
                "#!/bin/sh\npip install .\n"
            ),
        }
    )
    return spec


V1_ANSWERS = {"project_name": "My-Lib", "custom_install": True, "python_version": "3.9"}
REPLACED = [
    "custom_install: 'True' is no longer valid; using the new default 'custom'",
    "python_version: '3.9' is no longer valid; using the new default '3.11'",
]


@pytest.fixture
def template(tmp_path: Path) -> Path:
    root = make_template(tmp_path / "tpl", {"v1.0.0": v1(), "v2.0.0": v2()})
    return root


def edit_like_a_user(project: Path) -> None:
    """Delete a skip-if-exists file, edit TOML and YAML on lines the template changes too."""
    (project / "CHANGELOG.md").unlink()
    toml = project / "pyproject.toml"
    toml.write_text(
        toml.read_text()
        .replace('version = "0.1.0"', 'version = "0.2.0"')
        .replace("line-length = 88", "line-length = 120")
    )
    ci = project / ".github/workflows/ci.yml"
    ci.write_text(ci.read_text().replace("@v4", "@v4.1").replace("@v3", "@v4"))
    (project / "src/my_lib/core.py").write_text("VALUE = 1\n")


def flat(text: str) -> str:
    return " ".join(text.split())


def test_update_matches_copier_and_replaces_rejected_answers(
    tmp_path: Path, template: Path
) -> None:
    twins = twin_projects(
        tmp_path, template, vcs_ref="v1.0.0", data=V1_ANSWERS, edit=edit_like_a_user
    )

    outcome = update_both(twins)

    assert outcome.ours.returncode == 5, outcome.ours.stderr  # conflicts, as in copier's tree
    assert differences(twins) == {}
    for line in REPLACED:
        assert f"Warning: {line}" in outcome.ours.stderr
    answers = (twins.ours / ".copier-answers.yml").read_text()
    assert "custom_install: custom\n" in answers and "python_version: '3.11'\n" in answers
    assert (twins.ours / "CHANGELOG.md").read_text() == "# Changelog\n\nAll notable changes.\n"
    assert os.access(twins.ours / "install.sh", os.X_OK) is False  # as copier: mode 644
    # The table, the closing summary and git agree on the conflicted files.
    conflicted = [".github/workflows/ci.yml", "pyproject.toml"]
    assert f"2 file(s) hold conflict markers: {', '.join(conflicted)}" in flat(outcome.ours.stderr)
    assert [p for p in conflicted if f"conflict │ text │ {p}" in outcome.ours.stdout] == conflicted
    status = git("status", "--porcelain", cwd=twins.ours)
    assert sorted(line[3:] for line in status.splitlines() if line[:2] == "UU") == conflicted


def test_preview_reports_replaced_answers_and_writes_nothing(
    tmp_path: Path, template: Path
) -> None:
    twins = twin_projects(tmp_path, template, vcs_ref="v1.0.0", data=V1_ANSWERS)
    before = tree_digest(twins.ours)

    proc = _dlscaffold(twins.ours, "update", "--trust", "--diff", "--defaults")

    assert proc.returncode == 0, proc.stderr
    assert [line for line in proc.stderr.splitlines() if "no longer valid" in line] == [
        f"Warning: {line}" for line in REPLACED
    ]
    assert "Would update . from template v1.0.0 to v2.0.0." in flat(proc.stderr)
    assert tree_digest(twins.ours) == before


def test_without_a_terminal_rejected_answers_take_the_new_default(
    tmp_path: Path, template: Path
) -> None:
    twins = twin_projects(tmp_path, template, vcs_ref="v1.0.0", data=V1_ANSWERS)

    proc = _dlscaffold(twins.ours, "update", "--trust")  # stdin is not a terminal, no --defaults

    assert proc.returncode == 0, proc.stderr
    for line in REPLACED:
        assert f"Warning: {line}" in proc.stderr
    assert "custom_install: custom\n" in (twins.ours / ".copier-answers.yml").read_text()


def test_interactive_update_asks_only_the_rejected_questions_showing_old_values(
    tmp_path: Path, template: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    twins = twin_projects(tmp_path, template, vcs_ref="v1.0.0", data=V1_ANSWERS)
    asked: list[tuple[str, str]] = []

    def person(questions: list[dict[str, object]], **_kwargs: object) -> dict[str, object]:
        name = str(questions[0]["name"])
        asked.append((name, str(questions[0]["message"])))
        return {name: {"custom_install": "library", "python_version": "3.12"}[name]}

    monkeypatch.setattr("sys.stdin.isatty", lambda: True)
    monkeypatch.setattr("copier._main.unsafe_prompt", person)  # the engine wraps it

    result = update_project(twins.ours, trust=True)

    assert [name for name, _ in asked] == ["custom_install", "python_version"]
    assert asked[0][1].startswith("custom_install: 'True' is no longer valid; choose again.")
    assert asked[1][1].startswith("python_version: '3.9' is no longer valid; choose again.")
    assert [(a.name, a.old, a.new, a.asked) for a in result.replaced_answers] == [
        ("custom_install", True, "library", True),
        ("python_version", "3.9", "3.12", True),
    ]
    assert not (twins.ours / "install.sh").exists()  # only rendered for 'custom'


def test_patch_on_stdout_is_a_patch_git_applies(tmp_path: Path, template: Path) -> None:
    twins = twin_projects(tmp_path, template, vcs_ref="v1.0.0", data=V1_ANSWERS)
    patch_file = tmp_path / "update.patch"

    proc = _dlscaffold(twins.ours, "update", "--trust", "--diff", "--patch", "--defaults")
    patch_file.write_text(proc.stdout)

    assert proc.returncode == 0, proc.stderr
    assert DESCRIPTION.strip() in proc.stdout  # one line, not folded at the terminal width
    git("apply", "--check", str(patch_file), cwd=twins.theirs)
    git("apply", str(patch_file), cwd=twins.theirs)
    _dlscaffold(twins.ours, "update", "--trust", "--defaults")
    assert differences(Twins(twins.ours, twins.theirs)) == {}


def _dlscaffold(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1] / "src")}
    return subprocess.run(
        [sys.executable, "-m", "dlscaffold", *args],
        cwd=cwd, env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL,
    )  # fmt: skip


def test_interactive_update_in_a_real_terminal(tmp_path: Path, template: Path) -> None:
    """The same, through copier's real prompts on a pseudo-terminal: Enter takes the
    highlighted choice, which is the new version's default."""
    twins = twin_projects(tmp_path, template, vcs_ref="v1.0.0", data=V1_ANSWERS)
    terminal = _Terminal(twins.ours, "update", "--trust")
    try:
        for old in ("custom_install: 'True'", "python_version: '3.9'"):
            assert terminal.read_until(f"{old} is no longer valid; choose again."), terminal.text
            terminal.press_enter()
        assert terminal.read_until("Review with `git diff`"), terminal.text
        assert terminal.wait() == 0, terminal.text
    finally:
        terminal.close()

    assert terminal.text.count("no longer valid; choose again.") >= 2
    assert "project_name" not in terminal.text and "module_name" not in terminal.text
    assert "custom_install: 'True' is no longer valid; now 'custom'" in terminal.text
    answers = (twins.ours / ".copier-answers.yml").read_text()
    assert "custom_install: custom\n" in answers and "python_version: '3.11'\n" in answers


class _Terminal:
    """`dlscaffold ARGS` on a pseudo-terminal, read and typed into like a person would."""

    def __init__(self, cwd: Path, *args: str) -> None:
        master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 160, 0, 0))
        env = {**os.environ, "TERM": "xterm"}
        env["PYTHONPATH"] = str(Path(__file__).resolve().parents[1] / "src")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "dlscaffold", *args],
            cwd=cwd, env=env, stdin=slave, stdout=slave, stderr=slave, close_fds=True,
        )  # fmt: skip
        os.close(slave)
        self.master = master
        self.output = b""

    @property
    def text(self) -> str:
        return self.output.decode(errors="replace")

    def read_until(self, token: str, timeout: float = 240) -> bool:
        end = time.monotonic() + timeout
        while token.encode() not in self.output and time.monotonic() < end:
            ready, _, _ = select.select([self.master], [], [], 1)
            if ready:
                try:
                    self.output += os.read(self.master, 65536)
                except OSError:  # the other side closed
                    break
        return token.encode() in self.output

    def press_enter(self) -> None:
        time.sleep(0.5)  # let the prompt take the terminal
        os.write(self.master, b"\r")

    def wait(self) -> int:
        return self.proc.wait(timeout=120)

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        os.close(self.master)
