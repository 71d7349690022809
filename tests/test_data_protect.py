"""Protection by mode bits: applied, undone, and files owned by someone else."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from dlscaffold._data.protect import is_read_only, restore_modes, set_read_only
from dlscaffold.errors import UserError
from tests.helpers import tree_digest
from tests.test_data_helpers import contents, write_dataset


def test_protect_removes_every_write_bit_and_restore_undoes_it(tmp_path: Path) -> None:
    root = write_dataset(tmp_path / "ds")
    (root / "cat" / "0.bin").chmod(0o666)
    (root / "link").symlink_to("cat")
    before, content_before = tree_digest(root), contents(root)

    changes = set_read_only(root)

    assert is_read_only(root)
    assert stat.S_IMODE((root / "cat" / "0.bin").stat().st_mode) == 0o444
    assert stat.S_IMODE(root.stat().st_mode) == 0o555
    assert contents(root) == content_before
    assert (root / "link").is_symlink()
    restore_modes(changes)
    assert tree_digest(root) == before


def test_unprotect_gives_the_owner_write_access(tmp_path: Path) -> None:
    root = write_dataset(tmp_path / "ds")
    set_read_only(root)

    set_read_only(root, read_only=False)

    assert all(p.stat().st_mode & stat.S_IWUSR for p in [root, *root.rglob("*")])
    assert not is_read_only(root)


def test_someone_elses_unwritable_files_count_as_protected(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = write_dataset(tmp_path / "ds")

    def not_owner(path: str, mode: int) -> None:
        raise PermissionError(1, "Operation not permitted", path)

    monkeypatch.setattr(os, "chmod", not_owner)
    monkeypatch.setattr(os, "access", lambda path, mode: False)
    assert set_read_only(root) == []

    monkeypatch.setattr(os, "access", lambda path, mode: True)
    with pytest.raises(UserError, match=r"Cannot protect '.*': only its owner can change its"):
        set_read_only(root)
