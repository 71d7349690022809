"""Shared helpers of the `dlscaffold data` tests (no tests here).

A project is generated once per test process with `create_project` and copied for each
test (copier renders in about half a second; a copy takes milliseconds).
"""

from __future__ import annotations

import os
import pwd
import secrets
import shutil
import stat
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dlscaffold import _console
from dlscaffold._cli import app
from dlscaffold._data.protect import set_read_only
from tests.helpers import tree_digest

runner = CliRunner()
_generated: dict[str, Path] = {}

WRITE_BITS = stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH


@dataclass(frozen=True)
class Workspace:
    """A folder holding a generated project `demo/` and raw datasets under `raw/`."""

    root: Path

    @property
    def project(self) -> Path:
        return self.root / "demo"

    def source(self, name: str = "ds") -> Path:
        return self.root / "raw" / name


def make_workspace(tmp_path: Path) -> Workspace:
    """Copy the generated project into `tmp_path/ws/demo` and write one dataset `raw/ds`."""
    if "demo" not in _generated:
        from dlscaffold import create_project

        cache = Path(os.environ["HOME"]).parent / f"generated-{os.getpid()}"
        cache.mkdir(exist_ok=True)
        _generated["demo"] = create_project(cache / "demo", defaults=True, example_data=False).path
    ws = Workspace(tmp_path / "ws")
    ws.root.mkdir()
    shutil.copytree(_generated["demo"], ws.project, symlinks=True)
    write_dataset(ws.source())
    return ws


def write_dataset(root: Path) -> Path:
    """Write a small image-classification-like dataset with a hidden file to skip."""
    for label in ("cat", "dog"):
        (root / label).mkdir(parents=True)
        for index in range(3):
            (root / label / f"{index}.bin").write_bytes(f"{label}-{index}".encode() * (index + 1))
    (root / "labels.csv").write_text("file,label\n")
    (root / ".DS_Store").write_bytes(b"hidden")
    return root


def make_writable(root: Path) -> None:
    """Give write access back, so that a test can edit a protected dataset (and clean up)."""
    if root.exists():
        set_read_only(root, read_only=False)


def contents(root: Path) -> dict[str, str]:
    """Return `tree_digest` without modes: what protecting may change is left out."""
    return {
        rel: "dir" if value.startswith("dir:") else value.split(":")[0] + ":" + value.split(":")[-1]
        for rel, value in tree_digest(root).items()
    }


def has_write_bits(root: Path) -> bool:
    """Tell whether anything under `root` (itself included) has a write bit."""
    paths = [root, *root.rglob("*")]
    return any(p.lstat().st_mode & WRITE_BITS for p in paths if not p.is_symlink())


def cli(*args: str, cwd: Path | None = None) -> tuple[int, str, str]:
    """Run `dlscaffold ARGS` in `cwd`; return exit code, stdout and stderr.

    The consoles are made afresh with 250 columns (rich reads COLUMNS when it makes one),
    so that long paths in messages and tables are not wrapped.
    """
    previous = Path.cwd()
    if cwd is not None:
        os.chdir(cwd)
    _console.err_console.cache_clear()
    _console.out_console.cache_clear()
    try:
        result = runner.invoke(app, list(args), env={"COLUMNS": "250"})
    finally:
        os.chdir(previous)
        _console.err_console.cache_clear()
        _console.out_console.cache_clear()
    return result.exit_code, result.stdout, result.stderr


@dataclass(frozen=True)
class Unprivileged:
    """A user made for one test, with a folder `root` it owns (world-traversable).

    Mode bits bind this user as they bind everyone but root, so what protection does and
    undoes can be checked by what the user can and cannot write.
    """

    name: str
    uid: int
    gid: int
    root: Path

    @property
    def home(self) -> Path:
        return self.root / "home"

    def run(self, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
        """Run `python -m dlscaffold ARGS` as this user in `cwd`."""
        src = Path(__file__).resolve().parents[1] / "src"
        python, paths = _python_for_everyone()
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(self.home),
            "PYTHONPATH": os.pathsep.join([str(src), *paths]),
            "GIT_CONFIG_GLOBAL": str(self.home / ".gitconfig"),
            "GIT_CONFIG_NOSYSTEM": "1",
            "COLUMNS": "250",
            "NO_COLOR": "1",
        }
        return subprocess.run(
            [python, "-m", "dlscaffold", *args], cwd=cwd, env=env, user=self.uid,
            group=self.gid, extra_groups=[], capture_output=True, text=True, check=False,
            timeout=120,
        )  # fmt: skip

    def write(self, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
        """Try, as this user, to append to (or create) the file `cwd/ARGS[0]`."""
        return subprocess.run(
            ["sh", "-c", 'printf x >> "$1"', "sh", *args], cwd=cwd, user=self.uid,
            group=self.gid, extra_groups=[], capture_output=True, text=True, check=False,
        )  # fmt: skip

    def own(self, path: Path) -> None:
        """Give this user `path` and everything below it."""
        subprocess.run(["chown", "-R", f"{self.uid}:{self.gid}", str(path)], check=True)


def _python_for_everyone() -> tuple[str, list[str]]:
    """Return a Python this test's interpreter version that any user may run, and the
    folders of this environment's packages to put on its path.

    The running interpreter may live where only root can reach it (`/root/.pyenv`); the
    system's Python of the same version then runs the same pure-Python packages.
    """
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    packages = [p for p in sys.path if p.endswith("-packages")]
    src = Path(__file__).resolve().parents[1] / "src"
    hidden = [p for p in (src, *map(Path, packages)) if p.exists() and not _reachable(p)]
    if hidden:  # e.g. a checkout inside a `mktemp -d` folder (mode 700)
        pytest.skip(f"{hidden[0]} is out of reach of other users: check out elsewhere")
    for candidate in (sys.executable, f"/usr/bin/{version}", f"/usr/local/bin/{version}"):
        real = Path(candidate).resolve()
        if real.is_file() and _reachable(real):
            return candidate, packages
    pytest.skip("no Python that an unprivileged user may run")


def _reachable(path: Path) -> bool:
    """Whether every user may pass through each folder above `path` (and run it)."""
    real = path.resolve()
    return all(p.stat().st_mode & stat.S_IXOTH for p in (real, *real.parents))


@contextmanager
def unprivileged_user() -> Iterator[Unprivileged]:
    """Create a user for one test (root only), with a home and a workspace, then remove them."""
    if os.geteuid() != 0 or shutil.which("useradd") is None:
        pytest.skip("creating a user needs root and useradd")
    name = f"dlsc{os.getpid() % 100000}{secrets.token_hex(3)}"
    root = Path(tempfile.mkdtemp(prefix="dlsc-user-", dir="/tmp"))
    root.chmod(0o755)
    (root / "home").mkdir()
    (root / "home" / ".gitconfig").write_text(
        "[user]\n\tname = Test User\n\temail = test@example.invalid\n"
        "[init]\n\tdefaultBranch = main\n"
    )
    for attempt in range(20):  # another test process may hold the lock on /etc/passwd
        made = subprocess.run(
            ["useradd", "--no-create-home", "--home-dir", str(root / "home"), "--shell",
             "/usr/sbin/nologin", "--user-group", name],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        if made.returncode == 0:
            break
        time.sleep(0.2 * (attempt + 1))
    else:
        shutil.rmtree(root)
        pytest.skip(f"useradd failed: {made.stderr.strip()}")
    entry = pwd.getpwnam(name)
    user = Unprivileged(name, entry.pw_uid, entry.pw_gid, root)
    user.own(root)
    try:
        yield user
    finally:
        make_writable(root)
        shutil.rmtree(root, ignore_errors=True)
        for attempt in range(20):
            if subprocess.run(["userdel", name], capture_output=True, check=False).returncode in (
                0,
                6,  # no such user
            ):
                break
            time.sleep(0.2 * (attempt + 1))


def user_workspace(user: Unprivileged, tmp_path: Path) -> Workspace:
    """A workspace (project and raw dataset) in `user.root`, owned by the user."""
    ws = make_workspace(tmp_path)
    shutil.move(ws.root, user.root / "ws")
    user.own(user.root / "ws")
    return Workspace(user.root / "ws")
