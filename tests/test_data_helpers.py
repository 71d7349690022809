"""Shared helpers of the `dlscaffold data` tests (no tests here).

A project is generated once per test process with `create_project` and copied for each
test (copier renders in about half a second; a copy takes milliseconds).
"""

from __future__ import annotations

import os
import shutil
import stat
from dataclasses import dataclass
from pathlib import Path

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
