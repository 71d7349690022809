"""A virtualenv with a generated project installed, for end-to-end tests.

The venv sees the test environment's packages through a `.pth` file (`--system-site-packages`
would show the base interpreter's, not this virtualenv's), so torch and the project's other
dependencies, which dlscaffold's `test` extras install, are reused instead of downloaded;
pip still resolves the project's declared dependencies against them.
"""

from __future__ import annotations

import os
import subprocess
import sys
import venv
from pathlib import Path


def make_venv(path: Path) -> Path:
    """Create a venv at `path` that inherits this interpreter's packages; return its python."""
    venv.EnvBuilder(with_pip=False).create(path)
    python = path / "bin" / "python"
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True, capture_output=True, text=True,
    ).stdout.strip()  # fmt: skip
    outer = [p for p in sys.path if p.endswith("site-packages")]
    (Path(purelib) / "_outer_env.pth").write_text("\n".join(outer) + "\n")
    return python


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
