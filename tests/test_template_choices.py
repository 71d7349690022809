"""Every choice of every question of the default template renders a clean, importable project."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from dlscaffold import create_project

COPIER_YML = Path(__file__).resolve().parents[1] / "templates" / "default" / "copier.yml"


def choice_cases() -> list[tuple[str, str]]:
    questions = yaml.safe_load(COPIER_YML.read_text())
    return [
        (name, str(choice))
        for name, spec in questions.items()
        if not name.startswith("_") and isinstance(spec, dict)
        for choice in (spec.get("choices") or [])
    ]


@pytest.mark.parametrize(("question", "choice"), choice_cases())
def test_each_choice_renders_lint_clean_and_imports(
    tmp_path: Path, question: str, choice: str
) -> None:
    project = create_project(
        tmp_path / "proj", defaults=True, data={question: choice}, example_data=False
    )
    assert project.answers[question] == choice
    rendered = "\n".join(p.read_text() for p in project.path.rglob("*.py"))
    assert "{{" not in rendered and "{%" not in rendered

    for args in (["check", "--no-cache", "."], ["format", "--check", "--no-cache", "."]):
        lint = subprocess.run(
            [sys.executable, "-m", "ruff", *args], cwd=project.path, capture_output=True, text=True
        )
        assert lint.returncode == 0, lint.stdout + lint.stderr

    package = project.answers["package_name"]
    modules = sorted(
        ".".join(p.relative_to(project.path / "src").with_suffix("").parts).removesuffix(
            ".__init__"
        )
        for p in (project.path / "src" / package).rglob("*.py")
        if p.name != "__main__.py"
    )
    code = f"import importlib\nfor m in {modules!r}:\n    importlib.import_module(m)\n"
    imported = subprocess.run(
        [sys.executable, "-c", code],
        cwd=project.path,
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(project.path / "src"), "PATH": "/usr/bin:/bin"},
    )
    assert imported.returncode == 0, imported.stderr
    for config in (project.path / "configs").rglob("*.yaml"):
        assert yaml.safe_load(config.read_text()) is not None, config
