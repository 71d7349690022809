"""The copier-free pristine render (`_generated.light_render`) gives exactly copier's digests.

`dlscaffold check` with an empty render cache computes the drift digests without copier
when a template allows it. Each test renders the same template version with the same
answers both ways, copier's through `pristine.copier_digests` (the render check used
before), and requires identical digests; templates that need copier must make the light
renderer give up (None), never guess.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from helpers import check_in_a_fresh_process, git
from test_update_support import Link, Spec, build_template

from dlscaffold._generated.light_render import _matcher, light_digests
from dlscaffold._generated.pristine import copier_digests, copier_version, pristine_digests
from dlscaffold._generated.source import list_versions
from dlscaffold._templates import install_default_template, shipped_bundle


def light(src: str, commit: str, answers: dict[str, Any], *, folder: str = "proj") -> Any:
    """The light renderer's digests, or None where it needs copier."""
    return light_digests(
        src=src,
        commit=commit,
        answers=answers,
        answers_relpath=".copier-answers.yml",
        folder=folder,
        copier_version=copier_version(),
    )


def both(src: str, commit: str, answers: dict[str, Any], *, folder: str = "proj") -> tuple:
    """The light digests (or None) and copier's, for one render."""
    ours = light(src, commit, answers, folder=folder)
    theirs = copier_digests(
        None,
        src=src,
        commit=commit,
        answers=answers,
        answers_relpath=".copier-answers.yml",
        trust=True,
        project=Path("/nonexistent", folder),
    )
    return ours, theirs


DEFAULT_ANSWERS = [
    {"project_name": "demo"},
    {"project_name": "2024-MNIST Study", "network": "mlp", "python_version": "3.12"},
    {"project_name": "test", "author_email": "a@b.c", "ci": "none"},
]


@pytest.mark.parametrize("answers", DEFAULT_ANSWERS, ids=["defaults", "mlp", "no-ci"])
def test_every_default_template_version_renders_as_copier_does(answers: dict[str, Any]) -> None:
    src = install_default_template()
    versions = list_versions(str(shipped_bundle()))
    assert versions
    for version in versions:
        ours, theirs = both(src, version, answers)
        assert ours is not None, f"{version}: the default template must not need copier"
        assert ours == theirs, version
        assert len(ours) > 20


PLAIN_COPIER = """\
_skip_if_exists: ["notes/*.md", keep/me.txt]
_exclude: ["*.tmp", "copier.yml", ".git", "{{ 'drop' }}/"]
name:
  type: str
  default: demo
flavour:
  type: str
  choices: [small, large]
  default: small
count:
  type: int
  default: 3
fast:
  default: false
reserved:
  type: yaml
  when: false
  default: [alpha, "{{ name }}-beta"]
"""


def plain_spec(version: int) -> Spec:
    """A template without a subdirectory using every feature the light renderer follows."""
    return {
        "copier.yml": PLAIN_COPIER,
        "{{_copier_conf.answers_file}}.jinja": "{{ _copier_answers|to_nice_yaml }}",
        "README.md.jinja": (
            "# {{ name }} ({{ _folder_name }})\nv{{ _copier_answers._commit }} "
            "{{ count * 2 }} {{ fast }} {{ reserved | join(',') }}\n"
            '{% include "parts/footer.jinja" %}'
        ),
        "README.md": "shadowed by README.md.jinja\n",
        "parts/footer.jinja": f"footer {version} {{{{ name | regex_replace('o', '0') }}}}\n",
        "src/{{ name }}/__init__.py.jinja": "NAME = {{ name | to_json }}\n",
        "src/{{ name }}/data.bin": bytes(range(256)) * version,
        "{% if flavour == 'large' %}large.txt{% endif %}.jinja": "large\n",
        "{% if fast %}fast{% endif %}/x.txt": "fast\n",
        "scratch.tmp": "excluded\n",
        "drop/x.txt": "excluded by a rendered pattern\n",
        "notes/a.md": "skipped if it exists\n",
        "keep/me.txt": "skipped too\n",
        "keep/other.txt": f"kept {version}\n",
        "bin/run.sh": f"#!/bin/sh\necho {version}\n",
        "empty.txt.jinja": "",
        "crlf.txt.jinja": "a\r\nb {{ name }}\r\n",
    }


def make_plain_template(root: Path) -> Path:
    build_template(root, {})
    for version in (1, 2):
        for rel, content in plain_spec(version).items():
            path = root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content if isinstance(content, bytes) else content.encode())
        os.chmod(root / "bin/run.sh", 0o755 if version == 1 else 0o644)
        git("add", "--all", cwd=root)
        git("commit", "--quiet", "-m", f"v{version}", cwd=root)
        git("tag", f"v{version}", cwd=root)
    return root


@pytest.mark.parametrize(
    "answers",
    [{}, {"name": "other", "flavour": "large", "count": "5", "fast": True}],
    ids=["defaults", "answered"],
)
def test_a_plain_template_renders_as_copier_does(tmp_path: Path, answers: dict) -> None:
    template = make_plain_template(tmp_path / "plain")
    for version in ("v1", "v2"):
        ours, theirs = both(str(template), version, answers, folder="my-folder")
        assert ours is not None, version
        assert ours == theirs, version
        assert {"README.md", "bin/run.sh", "keep/other.txt"} <= set(ours)
        assert not any(rel.startswith(".git/") for rel in ours)
        assert "scratch.tmp" not in ours and "drop/x.txt" not in ours
        assert "notes/a.md" not in ours and "keep/me.txt" not in ours
    assert ours["bin/run.sh"].startswith("file:")
    first, _ = both(str(template), "v1", answers)
    assert first is not None and first["bin/run.sh"].startswith("exec:")


NEEDS_COPIER: dict[str, Spec] = {
    "jinja extension": {
        "copier.yml": "_jinja_extensions: [jinja2.ext.do]\nname: {type: str, default: x}\n",
        "a.txt.jinja": "{% do [] %}{{ name }}\n",
    },
    "symlink": {
        "copier.yml": "_preserve_symlinks: true\nname: {type: str, default: x}\n",
        "a.txt": "a\n",
        "b.txt": Link("a.txt"),
    },
    "copier setting it does not know": {
        "copier.yml": "_copier_conf_unused: 1\n_envops: {trim_blocks: true}\nn: {default: x}\n",
        "a.txt.jinja": "{% if n %}\nx{% endif %}\n",
    },
    "a name only copier defines": {
        "copier.yml": "name: {type: str, default: x}\n",
        "a.txt.jinja": "{{ _copier_conf.vcs_ref }} {{ _copier_answers.name }}\n",
    },
    "default() of an undefined name": {
        "copier.yml": "name: {type: str, default: x}\n",
        "a.txt.jinja": "{{ _commit | default('none') }}\n",
    },
    "all answers dumped": {
        "copier.yml": "name: {type: str, default: x}\n",
        "a.txt.jinja": "{{ _copier_answers | to_nice_yaml }}\n",
    },
    "yield": {
        "copier.yml": "names: {type: yaml, default: [a, b]}\n",
        "{% yield n from names %}{{ n }}{% endyield %}.txt": "x\n",
    },
}


@pytest.mark.parametrize("case", list(NEEDS_COPIER))
def test_templates_that_need_copier_fall_back_to_it(tmp_path: Path, case: str) -> None:
    template = build_template(tmp_path / "t", {"v1": NEEDS_COPIER[case]})
    assert light(str(template), "v1", {}) is None


def test_an_answer_copier_would_refuse_falls_back(tmp_path: Path) -> None:
    copier_yml = "size:\n  type: str\n  choices: [s, m]\n  default: s\nn:\n  type: int\n"
    template = build_template(tmp_path / "t", {"v1": {"copier.yml": copier_yml, "a": "a\n"}})
    for answers in ({"size": "xl", "n": 1}, {"size": "s"}, {"size": "s", "n": "many"}):
        assert light(str(template), "v1", answers) is None


def test_check_uses_copier_where_the_light_renderer_gives_up(tmp_path: Path) -> None:
    template = build_template(tmp_path / "t", {"v1": NEEDS_COPIER["jinja extension"]})
    digests = pristine_digests(
        src=str(template),
        commit="v1",
        answers={},
        answers_relpath=".copier-answers.yml",
        trust=True,
        project=tmp_path / "proj",
    )
    assert set(digests) == {"a.txt"}


def test_plain_skip_patterns_match_as_pathspec_does() -> None:
    from pathspec import PathSpec

    patterns = ["data/datasets.yaml", "a/b.c/d-e"]
    paths = [
        "data/datasets.yaml", "data/datasets.yaml/x", "data/datasets.yml", "xdata/datasets.yaml",
        "sub/data/datasets.yaml", "data", "a/b.c/d-e", "a/b.c/d-e/f/g", "a/b.c/d-ef",
    ]  # fmt: skip
    spec = PathSpec.from_lines("gitignore", patterns)
    plain = _matcher(patterns)
    assert [plain(p) for p in paths] == [spec.match_file(p) for p in paths]
    assert any(plain(p) for p in paths) and not all(plain(p) for p in paths)


def test_a_cold_check_of_a_default_template_project_imports_no_copier(
    tmp_path: Path, isolated_home: Path
) -> None:
    import json
    import shutil

    from dlscaffold._new import create_project

    project = create_project(tmp_path / "fresh", defaults=True, example_data=False).path
    shutil.rmtree(isolated_home / ".cache", ignore_errors=True)  # as on a fresh CI machine
    done = check_in_a_fresh_process(project)

    assert "LOADED [] 0" in done.stderr, done.stderr
    assert json.loads(done.stdout)["result"]["passed"] is True
    assert list((isolated_home / ".cache" / "dlscaffold" / "pristine").glob("*.json"))


def test_a_copier_settings_file_leaves_the_render_to_copier(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # copier's settings may hold user defaults for questions the answers file lacks.
    template = make_plain_template(tmp_path / "plain")
    assert light(str(template), "v1", {}) is not None
    config = tmp_path / "config"
    (config / "copier").mkdir(parents=True)
    (config / "copier" / "settings.yml").write_text("defaults:\n  count: 9\n")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(config))
    assert light(str(template), "v1", {}) is None
    monkeypatch.delenv("XDG_CONFIG_HOME")
    monkeypatch.setenv("COPIER_SETTINGS_PATH", str(tmp_path / "elsewhere.yml"))
    assert light(str(template), "v1", {}) is None
