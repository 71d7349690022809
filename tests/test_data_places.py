"""System folders, HOME and the folders above it are never linked, by anyone, with any flag."""

from __future__ import annotations

import os
import pwd
import shutil
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from dlscaffold._data.places import DATA_AREAS_ENV
from tests.helpers import tree_digest
from tests.test_data_helpers import (
    Workspace,
    cli,
    has_write_bits,
    make_writable,
    unprivileged_user,
    user_workspace,
    write_dataset,
)

SYSTEM_FOLDERS = [
    "/", "/etc", "/etc/ssl", "/usr", "/usr/share", "/bin", "/sbin", "/lib", "/boot", "/dev",
    "/proc", "/proc/self", "/sys", "/sys/kernel", "/run", "/var", "/var/lib",
]  # fmt: skip


def modes(folder: str) -> dict[str, int]:
    """Return the modes of `folder` and of its first entries (enough to see a chmod)."""
    path = Path(folder)
    changing = path.resolve().parts[1:2] == ("proc",)  # processes come and go meanwhile
    listed = os.access(path, os.R_OK) and not changing
    entries = [path, *sorted(path.iterdir())[:20]] if listed else [path]
    return {str(p): p.lstat().st_mode for p in entries}


def expected_message(given: str, folder: str) -> str:
    real = Path(folder).resolve()
    if real == Path("/"):
        return f"Error: Dataset source '{given}' is the root folder, not a dataset;"
    return f"Error: Dataset source '{given}' is a system folder ("


@pytest.mark.parametrize("folder", SYSTEM_FOLDERS)
@pytest.mark.parametrize("flags", [[], ["--no-protect"], ["--hash"]])
def test_system_folders_are_refused_with_every_flag(
    ws: Workspace, folder: str, flags: list[str]
) -> None:
    if not Path(folder).is_dir():
        pytest.skip(f"{folder} does not exist here")
    project_before, folder_before = tree_digest(ws.project), modes(folder)

    code, _, err = cli("data", "link", "x", folder, *flags, cwd=ws.project)

    assert code == 1
    assert " ".join(err.split()).startswith(expected_message(folder, folder)), err
    assert len(err.strip().splitlines()) == 1, err
    assert tree_digest(ws.project) == project_before
    assert modes(folder) == folder_before


def test_a_link_to_etc_is_etc(ws: Workspace) -> None:
    (ws.root / "raw" / "config").symlink_to("/etc")
    (ws.root / "raw" / "proc-self").symlink_to("/proc/self")
    before, etc_before = tree_digest(ws.root), modes("/etc")

    for given in ("../raw/config", "../raw/proc-self"):
        code, _, err = cli("data", "link", "x", given, "--no-protect", cwd=ws.project)

        assert code == 1
        assert " ".join(err.split()).startswith(f"Error: Dataset source '{given}' is a system")
    assert tree_digest(ws.root) == before
    assert modes("/etc") == etc_before


def test_the_accounts_home_is_refused_whatever_home_says(ws: Workspace) -> None:
    account_home = Path(pwd.getpwuid(os.getuid()).pw_dir).resolve()
    if not account_home.is_dir() or account_home == Path("/"):
        pytest.skip("this account has no home folder")
    before = modes(str(account_home))

    code, _, err = cli("data", "link", "x", str(account_home), "--no-protect", cwd=ws.project)

    assert code == 1
    assert "is your home folder, not a dataset" in " ".join(err.split())
    assert modes(str(account_home)) == before


@pytest.fixture
def var_dataset() -> Iterator[Path]:
    """A dataset below /var, removed afterwards."""
    area = Path(tempfile.mkdtemp(prefix="dlsc-area-", dir="/var/tmp"))
    write_dataset(area / "ds")
    yield area
    make_writable(area)
    shutil.rmtree(area)


def test_below_var_only_a_named_data_area_is_linked(
    ws: Workspace, var_dataset: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = var_dataset / "ds"
    before = tree_digest(source)

    for areas in ("", "/var", f"/{os.pathsep}/usr", "relative/area"):
        monkeypatch.setenv(DATA_AREAS_ENV, areas)
        code, _, err = cli("data", "link", "x", str(source), cwd=ws.project)
        assert code == 1
        assert f"in {DATA_AREAS_ENV}" in " ".join(err.split())
        assert tree_digest(source) == before

    monkeypatch.setenv(DATA_AREAS_ENV, f"/nowhere{os.pathsep}{var_dataset}")
    code, _, err = cli("data", "link", "x", str(source), cwd=ws.project)

    assert code == 0, err
    assert (ws.project / "data" / "x").resolve() == source
    assert not has_write_bits(source)
    assert cli("data", "unlink", "x", "--unprotect", cwd=ws.project)[0] == 0
    assert tree_digest(source) == before


def test_new_link_refuses_a_system_folder_and_leaves_nothing(tmp_path: Path) -> None:
    etc_before = modes("/etc")

    code, _, err = cli("new", "demo", "--defaults", "--link", "e=/etc", cwd=tmp_path)

    assert code == 1
    assert " ".join(err.split()).startswith("Error: Dataset source '/etc' is a system folder")
    assert sorted(p.name for p in tmp_path.iterdir()) == []
    assert modes("/etc") == etc_before


def test_an_unprivileged_user_is_refused_the_same(tmp_path: Path) -> None:
    with unprivileged_user() as user:
        ws = user_workspace(user, tmp_path)
        before = tree_digest(ws.project)

        for folder in ("/etc", "/proc/self", str(user.home)):
            result = user.run("data", "link", "x", folder, "--no-protect", cwd=ws.project)

            assert result.returncode == 1, result.stderr
            message = " ".join(result.stderr.split())
            assert message.startswith(f"Error: Dataset source '{folder}' is "), message
            assert "not a dataset" in message
        assert tree_digest(ws.project) == before
        assert stat.S_IMODE(user.home.stat().st_mode) & stat.S_IWUSR
