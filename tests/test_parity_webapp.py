"""Parity with `copier update` on a template shaped like a public web-service template.

Tags `v1`, `v1.1` and `v2` (an update skips `v1.1`), a custom `_templates_suffix`, a
validator tightened in v2 (the recorded e-mail no longer passes), a question added with a
default, a computed value (`when: false`), TOML and JSON edited on both sides, a conflict
in a tracked file, a script made executable, a file turned into a symlink, a binary edited
on both sides, and paths deleted by the user, by the template, or by both.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import git
from parity_support import differences, make_template, twin_projects, update_both
from test_update_support import Link, Spec

ANSWERS = "{{_copier_conf.answers_file}}.tmpl"
ANSWERS_BODY = "# Changes here will be overwritten by Copier\n{{ _copier_answers|to_nice_yaml -}}\n"
COPIER_V1 = """\
_subdirectory: "{{ 'project' }}"
_templates_suffix: .tmpl
_preserve_symlinks: true
service:
  type: str
  default: api
author_email:
  type: str
  default: dev@example.com
image:
  type: str
  default: "registry.local/{{ service }}"
  when: false
"""
COPIER_V2 = (
    COPIER_V1.replace(
        "  default: dev@example.com\n",
        "  default: dev@example.com\n"
        "  validator: \"{% if '@' not in author_email %}an e-mail address{% endif %}\"\n",
    )
    + "port:\n  type: int\n  default: 8080\n"
)
PYPROJECT = """\
[project]
name = "{{ service }}"
version = "1.0.0"
authors = [{ email = "{{ author_email }}" }]

[tool.pytest.ini_options]
addopts = "-q"
"""
PACKAGE_JSON = (
    '{\n  "name": "web",\n  "private": true,\n  "scripts": {\n    "build": "vite"\n  }\n}\n'
)
APP = "".join(f"route_{i} = '/{i}'\n" for i in range(1, 16))
LOGO_V1 = b"\x89PNG\r\n\x1a\n\0\0v1" + bytes(range(200))


def v1() -> Spec:
    return {
        "copier.yml": COPIER_V1,
        f"project/{ANSWERS}": ANSWERS_BODY,
        "project/pyproject.toml.tmpl": PYPROJECT,
        "project/web/package.json": PACKAGE_JSON,
        "project/app.py": APP,
        "project/Dockerfile.tmpl": "FROM python:3.11\n# image {{ image }}\nCMD serve\n",
        "project/scripts/build.sh": "#!/bin/sh\nmake build\n",
        "project/docs/guide.md": "# Guide\n\nStep 1.\n",
        "project/docs/legacy.md": "legacy\n",
        "project/static/logo.png": LOGO_V1,
        "project/LICENSE": "MIT\n",
        "project/deploy/staging.yaml": "replicas: 1\n",
    }


def v1_1() -> Spec:
    spec = v1()
    spec["project/app.py"] = APP.replace("route_3 = '/3'", "route_3 = '/three'")
    return spec


def v2() -> Spec:
    spec = v1_1()
    for gone in ("project/docs/legacy.md", "project/deploy/staging.yaml"):
        del spec[gone]
    spec.update(
        {
            "copier.yml": COPIER_V2,
            "project/pyproject.toml.tmpl": PYPROJECT.replace('"-q"', '"-q --strict-markers"')
            + "\n[tool.service]\nport = {{ port }}\n",
            "project/web/package.json": PACKAGE_JSON.replace('"vite"', '"vite build"'),
            "project/app.py": APP.replace("route_10 = '/10'", "route_10 = '/ten'"),
            "project/docs/guide.md": "# Guide\n\nStep 1.\nStep 2.\n",
            "project/LICENSE": Link("docs/guide.md"),
            "project/static/logo.png": LOGO_V1.replace(b"v1", b"v2"),
            "project/web/src/main.ts": "export {};\n",
        }
    )
    return spec


def edit_like_a_user(project: Path) -> None:
    toml = project / "pyproject.toml"
    toml.write_text(toml.read_text().replace('version = "1.0.0"', 'version = "1.2.0"'))
    pkg = project / "web/package.json"
    pkg.write_text(pkg.read_text().replace('"private": true', '"private": false'))
    app = project / "app.py"
    app.write_text(app.read_text().replace("route_10 = '/10'", "route_10 = '/x'"))
    (project / "docs/guide.md").unlink()
    (project / "deploy/staging.yaml").unlink()
    (project / "deploy").rmdir()  # as `git rm` leaves it
    (project / "static/logo.png").write_bytes(LOGO_V1.replace(b"v1", b"mine"))


# Deliberate differences, each listed in dlscaffold's table with this note (docs/update.md).
DELIBERATE = {
    "static/logo.png": "binary changed on both sides; yours is kept",
    "git-status:static/logo.png": "",  # copier: the template's bytes (M), dlscaffold: yours
}


@pytest.fixture
def template(tmp_path: Path) -> Path:
    root = make_template(tmp_path / "tpl", {"v1": v1(), "v1.1": v1_1(), "v2": v2()})
    (root / "project/scripts/build.sh").chmod(0o755)
    git("add", "--all", cwd=root)
    git("commit", "--quiet", "-m", "make build.sh executable", cwd=root)
    git("tag", "--force", "v2", cwd=root)
    return root


def test_update_across_versions_matches_copier_except_the_listed_differences(
    tmp_path: Path, template: Path
) -> None:
    twins = twin_projects(
        tmp_path,
        template,
        vcs_ref="v1",
        data={"author_email": "nobody"},
        edit=edit_like_a_user,
    )

    outcome = update_both(twins)

    assert outcome.ours.returncode == 5, outcome.ours.stderr
    found = differences(twins)
    assert set(found) == set(DELIBERATE), found
    for path, note in DELIBERATE.items():
        if note:
            assert note in outcome.ours.stdout.split(path, 1)[1].splitlines()[0], path
    assert (
        "Warning: author_email: 'nobody' is no longer valid; using the new default "
        "'dev@example.com'" in outcome.ours.stderr
    )
    assert not (twins.ours / "docs/guide.md").exists()  # deleted by the user, as in copier
    assert git("diff", "--name-only", "--diff-filter=U", cwd=twins.ours).split() == [
        "app.py",
        "pyproject.toml",  # the new e-mail sits next to the edited version, as in copier
    ]
    assert (twins.ours / "scripts/build.sh").stat().st_mode & 0o111
    assert (twins.ours / "LICENSE").is_symlink()
    answers = (twins.ours / ".copier-answers.yml").read_text()
    assert "port: 8080" in answers and "image" not in answers


def test_without_a_terminal_only_a_new_question_without_answer_stops_the_update(
    tmp_path: Path, template: Path
) -> None:
    twins = twin_projects(tmp_path, template, vcs_ref="v1", data={"author_email": "a@b.c"})

    refused = _dlscaffold(twins.ours, "update")
    updated = _dlscaffold(twins.ours, "update", "--data", "port=9000")

    # The computed `image` (`when: false`) and the recorded answers need no terminal.
    assert refused.returncode == 1
    assert refused.stderr.startswith("Error: Question 'port' needs an answer")
    assert updated.returncode == 0, updated.stderr
    assert "port: 9000" in (twins.ours / ".copier-answers.yml").read_text()


def _dlscaffold(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1] / "src")}
    return subprocess.run(
        [sys.executable, "-m", "dlscaffold", *args],
        cwd=cwd, env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL,
    )  # fmt: skip
