"""The release artefacts: what the sdist and wheel hold, and the wheel installed as users do.

The sdist and wheel are built once per module with `python -m build --no-isolation` (hatchling
from the test extra, no download). The wheel is then installed with pipx and with
`uv tool install`, each into folders of the test, and `dlscaffold new demo --defaults` must
work from there. Those two installs fetch dlscaffold's dependencies from the package index.
"""

from __future__ import annotations

import email
import os
import subprocess
import sys
import tarfile
import zipfile
from collections.abc import Iterator
from email.message import Message
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
# Caches of the real user (tests get a private HOME), so repeated runs download nothing new.
REAL_CACHE = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
RUNTIME_DEPENDENCIES = {"copier", "typer", "rich", "jinja2", "pyyaml", "packaging", "pillow"}

pytestmark = pytest.mark.skipif(
    not (ROOT / "pyproject.toml").is_file(), reason="needs the source checkout"
)


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    out = tmp_path_factory.mktemp("dist")
    result = subprocess.run(
        [sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out), str(ROOT)],
        capture_output=True, text=True, env=_env_without_checkout(),
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    yield out


def _env_without_checkout(**extra: str) -> dict[str, str]:
    """The environment minus PYTHONPATH (which would make the checkout win over the wheel)."""
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    env.update(extra)
    return env


def _wheel(dist: Path) -> Path:
    (wheel,) = dist.glob("dlscaffold-*-py3-none-any.whl")
    return wheel


def _metadata(wheel: Path) -> Message:
    with zipfile.ZipFile(wheel) as archive:
        (name,) = [n for n in archive.namelist() if n.endswith(".dist-info/METADATA")]
        return email.message_from_bytes(archive.read(name))


def test_wheel_holds_license_marker_and_template_bundle(dist: Path) -> None:
    with zipfile.ZipFile(_wheel(dist)) as archive:
        names = set(archive.namelist())
        bundle = archive.read("dlscaffold/templates/default.bundle")
        entry_points = next(n for n in names if n.endswith(".dist-info/entry_points.txt"))
        scripts = archive.read(entry_points).decode()

    assert "dlscaffold/py.typed" in names
    assert "dlscaffold/example_data/digits.csv.gz" in names
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names), sorted(names)
    assert bundle == (ROOT / "src/dlscaffold/templates/default.bundle").read_bytes()
    assert "dlscaffold = dlscaffold._cli:main" in scripts
    assert not any(n.startswith(("tests/", "templates/", "docs/")) for n in names)


def test_wheel_metadata_is_ready_for_the_index(dist: Path) -> None:
    metadata = _metadata(_wheel(dist))
    classifiers = metadata.get_all("Classifier") or []
    urls = dict(line.split(", ", 1) for line in metadata.get_all("Project-URL") or [])

    assert metadata["License-Expression"] == "MIT"
    assert metadata.get_all("License-File") == ["LICENSE"]
    assert metadata["Requires-Python"] == ">=3.11"
    for classifier in (
        "Typing :: Typed",
        "Operating System :: POSIX :: Linux",
        "Operating System :: MacOS",
        "Programming Language :: Python :: 3.11",
        "Programming Language :: Python :: 3.12",
        "Programming Language :: Python :: 3.13",
    ):
        assert classifier in classifiers
    assert any(c.startswith("Development Status ::") for c in classifiers)
    assert set(urls) == {"Homepage", "Documentation", "Source", "Issues", "Changelog"}
    assert all(url.startswith("https://github.com/dlscaffold/dlscaffold") for url in urls.values())


def test_users_install_only_runtime_dependencies(dist: Path) -> None:
    requires = [Requirement(line) for line in _metadata(_wheel(dist)).get_all("Requires-Dist")]
    unconditional = {canonicalize_name(r.name) for r in requires if r.marker is None}
    optional = [r for r in requires if r.marker is not None]

    assert unconditional == RUNTIME_DEPENDENCIES
    # Everything else (pytest, ruff, mypy, torch, build, twine, ...) only with an extra.
    assert optional and all("extra ==" in str(r.marker) for r in optional)
    test_extra = {canonicalize_name(r.name) for r in optional if 'extra == "test"' in str(r.marker)}
    assert {"pytest", "ruff", "mypy", "build", "pipx", "uv"} <= test_extra


def test_sdist_holds_sources_license_and_changelog(dist: Path) -> None:
    (sdist,) = dist.glob("dlscaffold-*.tar.gz")
    with tarfile.open(sdist) as archive:
        names = {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}

    for name in (
        "LICENSE", "CHANGELOG.md", "CONTRIBUTING.md", "README.md", "pyproject.toml",
        "src/dlscaffold/py.typed", "src/dlscaffold/templates/default.bundle",
        "templates/default/copier.yml", "tests/test_packaging.py", "docs/api.md",
    ):  # fmt: skip
        assert name in names, name


def _new_demo(dlscaffold: Path, tmp_path: Path, env: dict[str, str]) -> None:
    """`dlscaffold new demo --defaults` with the installed command; the project must be whole."""
    work = tmp_path / "work"
    work.mkdir()
    result = subprocess.run(
        [str(dlscaffold), "new", "demo", "--defaults"],
        cwd=work, capture_output=True, text=True, env=env, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    project = work / "demo"
    assert (project / ".copier-answers.yml").is_file()
    assert (project / "src" / "demo" / "__init__.py").is_file()
    assert (project / "data" / "digits").is_symlink()
    log = subprocess.run(
        ["git", "log", "--oneline"], cwd=project, capture_output=True, text=True, check=True
    )
    assert log.stdout.strip()


def _assert_runs_the_wheel(python: Path, env: dict[str, str]) -> None:
    """The tool's interpreter imports dlscaffold from its own venv, not from this checkout."""
    where = subprocess.run(
        [str(python), "-c", "import dlscaffold; print(dlscaffold.__file__)"],
        capture_output=True, text=True, env=env, check=True,
    ).stdout.strip()  # fmt: skip
    assert Path(where).is_relative_to(python.parent.parent), where
    assert (Path(where).parent / "py.typed").is_file()


@pytest.mark.slow
def test_pipx_install_of_the_wheel_creates_a_project(dist: Path, tmp_path: Path) -> None:
    env = _env_without_checkout(
        PIPX_HOME=str(tmp_path / "pipx"),
        PIPX_BIN_DIR=str(tmp_path / "bin"),
        PIPX_MAN_DIR=str(tmp_path / "man"),
        PIP_CACHE_DIR=str(REAL_CACHE / "pip"),
    )
    install = subprocess.run(
        [sys.executable, "-m", "pipx", "install", "--python", sys.executable, str(_wheel(dist))],
        capture_output=True, text=True, env=env, timeout=600,
    )  # fmt: skip
    assert install.returncode == 0, install.stdout + install.stderr

    _assert_runs_the_wheel(tmp_path / "pipx" / "venvs" / "dlscaffold" / "bin" / "python", env)
    _new_demo(tmp_path / "bin" / "dlscaffold", tmp_path, env)


@pytest.mark.slow
def test_uv_tool_install_of_the_wheel_creates_a_project(dist: Path, tmp_path: Path) -> None:
    env = _env_without_checkout(
        UV_TOOL_DIR=str(tmp_path / "tools"),
        UV_TOOL_BIN_DIR=str(tmp_path / "bin"),
        UV_CACHE_DIR=str(REAL_CACHE / "uv"),
        UV_PYTHON_DOWNLOADS="never",
    )
    install = subprocess.run(
        [sys.executable, "-m", "uv", "tool", "install", "--python", sys.executable,
         str(_wheel(dist))],
        capture_output=True, text=True, env=env, timeout=600,
    )  # fmt: skip
    assert install.returncode == 0, install.stdout + install.stderr

    _assert_runs_the_wheel(tmp_path / "tools" / "dlscaffold" / "bin" / "python", env)
    _new_demo(tmp_path / "bin" / "dlscaffold", tmp_path, env)
