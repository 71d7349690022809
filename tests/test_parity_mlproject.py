"""Parity with `copier update` on a template shaped like a public ML-experiment template.

Plain version tags (`0.1.0`, `0.2.0`), the template at the repository root (`_exclude`),
a Jinja extension class kept in the template repository and loaded with `--trust`, a choice
renamed between versions, rendered files the project's `.gitignore` hides (`.env`,
`configs/local.yaml`) and edited on both sides, adjacent YAML keys changed on each side, a
`_skip_if_exists` notebook the user deleted, a file the template deleted after the user
edited it, and a retargeted symlink.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import git
from parity_support import differences, make_template, twin_projects, update_both
from test_update_support import ANSWERS, ANSWERS_BODY, Link, Spec

COPIER_V1 = """\
_exclude: [copier.yml, .git, extensions]
_skip_if_exists: [notebooks/scratch.ipynb]
_preserve_symlinks: true
_jinja_extensions: [slug_ext.SlugExtension]
_message_after_update: "Updated {{ project_name | slug }}: check .env"
project_name:
  type: str
  default: Vision Lab
framework:
  type: str
  default: torch
  choices: [torch, jax]
"""
COPIER_V2 = COPIER_V1.replace("[torch, jax]", "[pytorch, jax]").replace(
    "default: torch", "default: pytorch"
)
EXTENSION = '''\
from jinja2.ext import Extension


class SlugExtension(Extension):
    """A `slug` filter, as templates built on copier-templates-extensions often add."""

    def __init__(self, environment):
        super().__init__(environment)
        environment.filters["slug"] = lambda text: "-".join(str(text).lower().split())
'''
TRAIN = """\
model:
  name: resnet18
  framework: {{ framework }}
optim:
  lr: 0.1
  batch_size: 32
  epochs: 10
"""


def v1() -> Spec:
    return {
        "copier.yml": COPIER_V1,
        ANSWERS: ANSWERS_BODY,
        "extensions/slug_ext.py": EXTENSION,
        ".gitignore.jinja": ".env\nconfigs/local.yaml\ndata/\n",
        ".env.jinja": "NAME={{ project_name | slug }}\nWANDB=off\nWORKERS=4\n",
        "configs/local.yaml": "root: /data\ncache: /tmp\n",
        "configs/train.yaml.jinja": TRAIN,
        "notebooks/scratch.ipynb": '{"cells": []}\n',
        "README.md.jinja": "# {{ project_name }}\n\nSlug: {{ project_name | slug }}\n"
        "Folder: {{ _folder_name }}\n",
        "latest.yaml": Link("configs/train.yaml"),
        "tools/old_tool.py": "print('old')\n",
    }


def v2() -> Spec:
    spec = v1()
    del spec["tools/old_tool.py"]
    spec.update(
        {
            "copier.yml": COPIER_V2,
            ".env.jinja": "NAME={{ project_name | slug }}\nWANDB=online\nWORKERS=4\n",
            "configs/local.yaml": "root: /data\ncache: /var/cache\n",
            "configs/train.yaml.jinja": TRAIN.replace("lr: 0.1", "lr: 0.01"),
            "README.md.jinja": "# {{ project_name }}\n\nSlug: {{ project_name | slug }}\n"
            "Folder: {{ _folder_name }}\n\nDocs.\n",
            "latest.yaml": Link("configs/local.yaml"),
        }
    )
    return spec


def edit_like_a_user(project: Path) -> None:
    (project / "notebooks/scratch.ipynb").unlink()
    _replace(project / ".env", "WANDB=off", "WANDB=disabled")
    _replace(project / "configs/local.yaml", "cache: /tmp", "cache: /scratch")
    _replace(project / "configs/train.yaml", "batch_size: 32", "batch_size: 64")
    (project / "tools/old_tool.py").write_text("print('mine')\n")


def _replace(path: Path, old: str, new: str) -> None:
    path.write_text(path.read_text().replace(old, new))


# Deliberate differences, each listed in dlscaffold's table with this note (docs/update.md).
DELIBERATE = {
    ".env": "ignored by git: merged, not staged (copier overwrites it)",
    "configs/local.yaml": "ignored by git: merged, not staged (copier overwrites it)",
    "configs/train.yaml": "merged key by key",
    "git-status:configs/train.yaml": "",  # copier: UU (adjacent lines), dlscaffold: merged
    "tools/old_tool.py": "the template deleted it; your edits are kept",
    "git-status:tools/old_tool.py": "",  # copier deletes it
    "tools": "",  # and then the folder it was the last file of
    # copier 9.19 renders the new version in a scratch copy, so `_folder_name` is the
    # scratch folder's name and conflicts with the project's; dlscaffold renders with the
    # project's own name (docs/update.md: a template-wide difference, not a table row).
    "README.md": "",
    "git-status:README.md": "",
}


@pytest.fixture
def template(tmp_path: Path) -> Path:
    return make_template(tmp_path / "tpl", {"0.1.0": v1(), "0.2.0": v2()})


def test_update_matches_copier_except_the_listed_differences(
    tmp_path: Path, template: Path
) -> None:
    env = {"PYTHONPATH": str(template / "extensions")}
    twins = twin_projects(tmp_path, template, vcs_ref="0.1.0", edit=edit_like_a_user, env=env)

    outcome = update_both(twins, env=env)

    assert outcome.ours.returncode == 5, outcome.ours.stderr
    assert set(differences(twins)) == set(DELIBERATE)
    for path, note in DELIBERATE.items():
        if note:
            assert _table_note(outcome.ours.stdout, path).endswith(note), path
    assert "Warning: framework: 'torch' is no longer valid; using the new default 'pytorch'" in (
        outcome.ours.stderr
    )
    assert outcome.ours.stderr.rstrip().endswith("Updated vision-lab: check .env")
    # Recreated like copier; ignored files never reach git's index.
    assert (twins.ours / "notebooks/scratch.ipynb").is_file()
    assert "Folder: proj\n" in (twins.ours / "README.md").read_text()
    assert git("ls-files", "--stage", "--", ".env", "configs/local.yaml", cwd=twins.ours) == ""
    # The table, the closing summary and `dlscaffold check` name the same conflicted files.
    conflicted = [".env", "configs/local.yaml"]
    table = [p for p in conflicted if _table_status(outcome.ours.stdout, p) == "conflict"]
    summary = f"2 file(s) hold conflict markers: {', '.join(conflicted)}."
    assert table == conflicted
    assert summary in " ".join(outcome.ours.stderr.split())
    assert _check_marker_paths(twins.ours, env) == conflicted


def test_preview_lists_what_the_update_does(tmp_path: Path, template: Path) -> None:
    env = {"PYTHONPATH": str(template / "extensions")}
    twins = twin_projects(tmp_path, template, vcs_ref="0.1.0", edit=edit_like_a_user, env=env)

    preview = _dlscaffold(twins.ours, env, "update", "--diff", "--defaults", "--trust")
    applied = _dlscaffold(twins.theirs, env, "update", "--defaults", "--trust")

    assert preview.returncode == applied.returncode == 5
    assert preview.stdout == applied.stdout
    assert "Updated vision-lab" not in preview.stderr  # messages belong to a real update
    assert "2 file(s) would conflict." in preview.stderr


def _table_row(table: str, path: str) -> list[str]:
    for line in table.splitlines():
        cells = [cell.strip() for cell in line.strip("│ ").split("│")]
        if len(cells) == 4 and cells[2] == path:
            return cells
    raise AssertionError(f"{path} not in the table:\n{table}")


def _table_note(table: str, path: str) -> str:
    return _table_row(table, path)[3]


def _table_status(table: str, path: str) -> str:
    return _table_row(table, path)[0]


def _check_marker_paths(project: Path, env: dict[str, str]) -> list[str]:
    proc = _dlscaffold(project, env, "check", "--json", "--trust")
    findings = json.loads(proc.stdout)["result"]["findings"]
    return sorted(f["path"] for f in findings if f["id"] == "conflict-markers")


def _dlscaffold(cwd: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    src = str(Path(__file__).resolve().parents[1] / "src")
    full_env = {**os.environ, "PYTHONPATH": os.pathsep.join([src, env["PYTHONPATH"]])}
    full_env["COLUMNS"] = "200"
    return subprocess.run(
        [sys.executable, "-m", "dlscaffold", *args],
        cwd=cwd, env=full_env, capture_output=True, text=True, stdin=subprocess.DEVNULL,
    )  # fmt: skip
