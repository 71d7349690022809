"""Shared fixtures: every test runs with its own HOME, git identity and data folders."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.test_data_helpers import Workspace, make_workspace, make_writable


@pytest.fixture(autouse=True)
def isolated_home(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """Give each test a private HOME, so the per-user template bundle and example data
    (under ~/.local/share/dlscaffold) and git's global config never leak between tests."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)
    monkeypatch.delenv("DLSCAFFOLD_DATASETS", raising=False)
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(home / ".gitconfig"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    (home / ".gitconfig").write_text(
        "[user]\n\tname = Test User\n\temail = test@example.invalid\n"
        "[init]\n\tdefaultBranch = main\n"
    )
    return home


@pytest.fixture
def no_git_identity(isolated_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Remove the git identity, as on a fresh machine."""
    (isolated_home / ".gitconfig").write_text("")
    for var in ("GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("EMAIL", "")
    os.environ.pop("EMAIL", None)


@pytest.fixture
def ws(tmp_path: Path) -> Iterator[Workspace]:
    """A generated project and a raw dataset beside it (made writable again afterwards)."""
    ws = make_workspace(tmp_path)
    yield ws
    make_writable(ws.root / "raw")
