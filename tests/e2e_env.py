"""A virtualenv with a generated project installed, for end-to-end tests.

The venv sees the test environment's packages (`--system-site-packages`), so torch and the
project's other dependencies, which dlscaffold's `test` extras install, are reused instead of
downloaded; pip still resolves the project's declared dependencies against them.
"""

from __future__ import annotations

import os
import subprocess
import sys
import venv
from pathlib import Path


def make_venv(path: Path) -> Path:
    """Create a venv at `path` that inherits this interpreter's packages; return its python."""
    venv.EnvBuilder(system_site_packages=True, with_pip=False).create(path)
    return path / "bin" / "python"


def pip_install_editable(python: Path, project: Path) -> None:
    """`pip install -e project` into the venv of `python`, using this interpreter's pip."""
    env = {**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet",
         "--no-build-isolation", "-e", str(project)],
        check=True, env=env, capture_output=True, text=True,
    )  # fmt: skip


def run(python: Path, *args: str, cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess:
    """Run `python ARGS` in `cwd`, capturing output (not raising on failure)."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "COLUMNS": "120"}
    env.pop("PYTHONPATH", None)
    return subprocess.run(
        [str(python), *args], cwd=cwd, capture_output=True, text=True, timeout=timeout, env=env
    )
