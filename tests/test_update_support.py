"""Builders shared by the update and check tests: tagged template repositories in tmp folders.

No tests here: pytest collects this module and finds none.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from helpers import git

from dlscaffold._new import create_project

ANSWERS = "{{_copier_conf.answers_file}}.jinja"
ANSWERS_BODY = "# Changes here will be overwritten by Copier\n{{ _copier_answers|to_nice_yaml -}}\n"


@dataclass(frozen=True)
class Link:
    """A symlink in a file-tree spec."""

    target: str


Spec = dict[str, "str | bytes | Link"]

COPIER_V1 = """\
_subdirectory: project
_templates_suffix: .jinja
_answers_file: .copier-answers.yml
_preserve_symlinks: true
_skip_if_exists: [notes.md]
project_name:
  type: str
  default: demo
"""
COPIER_V2 = COPIER_V1 + "license:\n  type: str\n  default: MIT\n"

TRAIN_V1 = "# training\nlr: 0.1\nbatch_size: 32\nepochs: 5\n"
TRAIN_V2 = "# training\nlr: 0.01\nbatch_size: 32\nepochs: 5\n"
MAIN_V1 = "".join(f"line {i}\n" for i in range(1, 21))
MAIN_V2 = MAIN_V1.replace("line 2\n", "line 2 (template v2)\n")
LOGO_V1 = b"\x89PNG\0\0v1" + bytes(range(256))
LOGO_V2 = b"\x89PNG\0\0v2" + bytes(range(256))


def v1_spec() -> Spec:
    """Version 1 of the test template."""
    return {
        "copier.yml": COPIER_V1,
        f"project/{ANSWERS}": ANSWERS_BODY,
        "project/README.md.jinja": "# {{ project_name }}\n\nIntro.\n",
        "project/configs/train.yaml": TRAIN_V1,
        "project/configs/eval.yaml": "split: test\n",
        "project/configs/current.yaml": Link("train.yaml"),
        "project/src/main.py": MAIN_V1,
        "project/assets/logo.bin": LOGO_V1,
        "project/notes.md": "notes v1\n",
        "project/old.txt": "to be removed\n",
    }


def v2_spec() -> Spec:
    """Version 2: edits, a new question, a new file, a deleted file, a retargeted link."""
    spec = v1_spec()
    del spec["project/old.txt"]
    spec.update(
        {
            "copier.yml": COPIER_V2,
            "project/README.md.jinja": "# {{ project_name }}\n\nIntro.\n\nLicense: {{ license }}\n",
            "project/configs/train.yaml": TRAIN_V2,
            "project/configs/current.yaml": Link("eval.yaml"),
            "project/src/main.py": MAIN_V2,
            "project/src/new.py": "print('new')\n",
            "project/assets/logo.bin": LOGO_V2,
            "project/notes.md": "notes v2\n",
        }
    )
    return spec


def v3_spec() -> Spec:
    """Version 3: one more config change."""
    spec = v2_spec()
    spec["project/configs/eval.yaml"] = "split: test\nmetric: accuracy\n"
    return spec


def write_spec(root: Path, spec: Spec) -> None:
    """Write a file-tree spec under `root`."""
    for rel, content in spec.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, Link):
            os.symlink(content.target, path)
        elif isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)


def build_template(root: Path, versions: dict[str, Spec]) -> Path:
    """Create a git template repository at `root` with one tagged commit per version."""
    root.mkdir(parents=True)
    git("init", "--quiet", "--initial-branch=main", cwd=root)
    for tag, spec in versions.items():
        for child in root.iterdir():
            if child.name != ".git":
                if child.is_dir() and not child.is_symlink():
                    shutil.rmtree(child)
                else:
                    child.unlink()
        write_spec(root, spec)
        git("add", "--all", cwd=root)
        git("commit", "--quiet", "--allow-empty", "-m", f"template {tag}", cwd=root)
        git("tag", tag, cwd=root)
    return root


def standard_template(tmp_path: Path, *, upto: int = 3) -> Path:
    """The test template with versions v1..v`upto`."""
    specs = {"v1": v1_spec(), "v2": v2_spec(), "v3": v3_spec()}
    return build_template(tmp_path / "template", dict(list(specs.items())[:upto]))


def make_project(
    tmp_path: Path, template: Path, *, vcs_ref: str = "v1", name: str = "proj"
) -> Path:
    """Generate a committed project from `template` at `vcs_ref`."""
    project = create_project(
        tmp_path / name,
        template=str(template),
        vcs_ref=vcs_ref,
        defaults=True,
        example_data=False,
    )
    return project.path


def commit_all(project: Path, message: str = "user edits") -> None:
    """Commit everything in `project`."""
    git("add", "--all", cwd=project)
    git("commit", "--quiet", "-m", message, cwd=project)


def project_with_slow_task(tmp_path: Path) -> Path:
    """A project at v1 of a template whose v2 runs a task that touches `started.flag`, then
    sleeps 30 s: a test can interrupt an update while the template's code runs."""
    specs = {"v1": v1_spec(), "v2": v2_spec()}
    specs["v2"]["copier.yml"] += "_tasks:\n  - touch started.flag && sleep 30\n"
    template = build_template(tmp_path / "template", specs)
    return create_project(
        tmp_path / "proj", template=str(template), vcs_ref="v1", defaults=True,
        example_data=False,
    ).path  # fmt: skip
