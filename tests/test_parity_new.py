"""`dlscaffold new --template` on a template that is not dlscaffold's behaves as `copier copy`.

The template's own `project_name` default wins over the folder name, its messages are
shown, and no deep-learning hint is printed.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from helpers import make_template_repo, tree_digest
from test_update_support import ANSWERS, ANSWERS_BODY

from dlscaffold._new import create_project

COPIER = """\
_message_before_copy: "Creating a widget service; have Docker ready."
_message_after_copy: "Done: cd {{ _copier_conf.dst_path | basename }} && make {{ package_name }}"
project_name:
  type: str
  default: Acme Widget
package_name:
  type: str
  default: "{{ project_name | lower | replace(' ', '_') }}"
plugins:
  type: yaml
  default: [alpha, beta]
"""
SPEC = {
    "copier.yml": COPIER,
    ANSWERS: ANSWERS_BODY,
    "README.md.jinja": "# {{ project_name }}\n\nFolder: {{ _folder_name }}\n",
    "{{ package_name }}/__init__.py": "",
    # copier's `yield` tag: one folder per plugin, holding plain-named files.
    "plugins/{% yield p from plugins %}{{ p }}{% endyield %}/setup.cfg.jinja": "name={{ p }}\n",
}


def _run(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1] / "src")}
    return subprocess.run(
        [sys.executable, "-m", *args],
        cwd=cwd, env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL,
    )  # fmt: skip


def without_git(root: Path) -> dict[str, str]:
    return {k: v for k, v in tree_digest(root).items() if k != ".git" and not k.startswith(".git/")}


def test_new_with_another_template_gives_copiers_tree_and_messages(tmp_path: Path) -> None:
    template = make_template_repo(tmp_path / "tpl", SPEC)
    for side in ("ours", "theirs"):
        (tmp_path / side).mkdir()

    ours = _run(
        tmp_path / "ours", "dlscaffold", "new", "widgets", "--template", str(template),
        "--defaults", "--trust",
    )  # fmt: skip
    theirs = _run(
        tmp_path / "theirs", "copier", "copy", "--defaults", "--trust", str(template), "widgets"
    )

    assert ours.returncode == 0, ours.stderr
    assert theirs.returncode == 0, theirs.stderr
    assert without_git(tmp_path / "ours/widgets") == without_git(tmp_path / "theirs/widgets")
    assert (
        "project_name: Acme Widget" in (tmp_path / "ours/widgets/.copier-answers.yml").read_text()
    )
    lines = ours.stderr.splitlines()
    before = lines.index("Creating a widget service; have Docker ready.")
    after = lines.index("Done: cd widgets && make acme_widget")
    assert before < after == len(lines) - 1
    assert "Next:" not in ours.stderr and "train" not in ours.stderr
    assert "Folder: widgets\n" in (tmp_path / "ours/widgets/README.md").read_text()
    assert (tmp_path / "ours/widgets/plugins/beta/setup.cfg").read_text() == "name=beta\n"


def test_folder_name_is_the_default_only_where_the_template_has_none(tmp_path: Path) -> None:
    spec = {**SPEC, "copier.yml": COPIER.replace("  default: Acme Widget\n", "")}
    template = make_template_repo(tmp_path / "tpl", spec)

    project = create_project(
        tmp_path / "gadgets", template=str(template), defaults=True, example_data=False
    )

    assert project.answers["project_name"] == "gadgets"
    assert (project.path / "gadgets/__init__.py").is_file()


def test_check_finds_no_drift_in_a_template_that_reads_the_folder_name(tmp_path: Path) -> None:
    template = make_template_repo(tmp_path / "tpl", SPEC)
    (tmp_path / "work").mkdir()
    created = _run(
        tmp_path / "work", "dlscaffold", "new", "widgets", "-t", str(template), "--defaults"
    )
    assert created.returncode == 0, created.stderr
    project = tmp_path / "work/widgets"

    for cache in ("warm", "cold"):  # cold: as on another machine, the pristine render is redone
        if cache == "cold":
            shutil.rmtree(Path(os.environ["HOME"]) / ".cache/dlscaffold", ignore_errors=True)
        checked = _run(project, "dlscaffold", "check", "--json")
        findings = json.loads(checked.stdout)["result"]["findings"]
        assert [f["id"] for f in findings if f["id"].startswith("drift")] == [], (cache, findings)
