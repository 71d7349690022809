"""`unlink --unprotect` is an undo: exactly the recorded modes, only where the link still leads."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import yaml

from dlscaffold._data.link import link_dataset
from dlscaffold._data.modes import mode_record_path
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


def other_folder(ws: Workspace) -> Path:
    """A read-only folder beside the dataset, with modes protection would never give back."""
    other = write_dataset(ws.root / "raw" / "other")
    for path in [other, *other.rglob("*")]:
        path.chmod(0o555 if path.is_dir() else 0o444)
    return other


def test_a_retargeted_link_changes_no_mode_anywhere(ws: Workspace) -> None:
    link_dataset(ws.project, "ds", ws.source())
    other = other_folder(ws)
    link = ws.project / "data" / "ds"
    link.unlink()
    link.symlink_to("../../raw/other")
    before = tree_digest(ws.root)

    code, _, err = cli("data", "unlink", "ds", "--unprotect", cwd=ws.project)

    assert code == 1
    assert " ".join(err.split()) == (
        f"Error: Cannot give write access back: data/ds now leads to {other}, not to "
        f"{ws.source()}, the folder dlscaffold protected; run unlink without --unprotect."
    )
    assert tree_digest(ws.root) == before


def test_an_edited_registry_entry_never_moves_the_undo(ws: Workspace) -> None:
    original = tree_digest(ws.source())
    link_dataset(ws.project, "ds", ws.source())
    other = other_folder(ws)
    other_before = tree_digest(other)
    registry = ws.project / "data" / "datasets.yaml"
    content = yaml.safe_load(registry.read_text())
    content["datasets"]["ds"]["source"] = "../../raw/other"
    registry.write_text(yaml.safe_dump(content))

    code, _, err = cli("data", "unlink", "ds", "--unprotect", cwd=ws.project)

    assert code == 0, err
    assert tree_digest(ws.source()) == original
    assert tree_digest(other) == other_before


def test_an_edited_mode_record_is_not_trusted(ws: Workspace) -> None:
    link_dataset(ws.project, "ds", ws.source())
    other = other_folder(ws)
    record_path = mode_record_path(ws.project, "ds")
    record = json.loads(record_path.read_text())
    for edit in (
        {**record, "source": str(other)},
        {**record, "modes": [["../other/labels.csv", 0o666]]},
        {**record, "modes": [["/etc/passwd", 0o666]]},
    ):
        record_path.write_text(json.dumps(edit))
        before = tree_digest(ws.root)

        code, _, err = cli("data", "unlink", "ds", "--unprotect", cwd=ws.project)

        assert code == 1
        assert len(err.strip().splitlines()) == 1, err
        assert tree_digest(ws.root) == before


def test_paths_changed_since_linking_and_paths_behind_links_are_left_alone(
    ws: Workspace,
) -> None:
    link_dataset(ws.project, "ds", ws.source())
    other = other_folder(ws)
    other_before = tree_digest(other)
    source = ws.source()
    (source / "labels.csv").chmod(0o640)  # the user changed it since: theirs now
    source.chmod(0o755)  # swap dog/ for a link to another folder
    (source / "dog").rename(ws.root / "raw" / "dog-away")
    (source / "dog").symlink_to(other)
    source.chmod(0o555)

    code, _, err = cli("data", "unlink", "ds", "--unprotect", cwd=ws.project)

    assert code == 0, err
    message = " ".join(err.split())
    assert "Warning: Left 5 paths whose modes changed since it was linked:" in message
    assert stat.S_IMODE((source / "labels.csv").stat().st_mode) == 0o640
    assert stat.S_IMODE((source / "cat" / "0.bin").stat().st_mode) == 0o644
    assert tree_digest(other) == other_before
    make_writable(ws.root / "raw" / "dog-away")


def test_a_dataset_without_a_record_is_refused_with_a_hint(ws: Workspace) -> None:
    link_dataset(ws.project, "ds", ws.source())
    mode_record_path(ws.project, "ds").unlink()  # as linked by an older dlscaffold
    before = tree_digest(ws.root)

    code, _, err = cli("data", "unlink", "ds", "--unprotect", cwd=ws.project)

    assert code == 1
    assert " ".join(err.split()) == (
        "Error: No record of the modes dlscaffold changed when it protected 'ds' (linked by "
        "an older dlscaffold or on another machine), so --unprotect cannot undo it; unlink "
        "without --unprotect and give write access back yourself (chmod -R u+w)."
    )
    assert tree_digest(ws.root) == before


def test_a_dataset_linked_without_protection_has_nothing_to_undo(ws: Workspace) -> None:
    link_dataset(ws.project, "ds", ws.source(), protect=False)
    before = tree_digest(ws.root)

    code, _, err = cli("data", "unlink", "ds", "--unprotect", cwd=ws.project)

    assert code == 1
    assert "'ds' was linked with --no-protect: there is no protection to undo" in err
    assert tree_digest(ws.root) == before


def test_a_source_read_only_before_linking_stays_read_only(ws: Workspace) -> None:
    make_read_only = [ws.source(), *ws.source().rglob("*")]
    for path in sorted(make_read_only, key=lambda p: -len(p.parts)):
        path.chmod(stat.S_IMODE(path.lstat().st_mode) & ~0o222)
    before = tree_digest(ws.source())
    link_dataset(ws.project, "ds", ws.source())

    code, _, err = cli("data", "unlink", "ds", "--unprotect", cwd=ws.project)

    assert code == 0, err
    assert "Protection changed no modes when it was linked; nothing to give back." in err
    assert tree_digest(ws.source()) == before


def test_an_unprivileged_user_gets_exactly_their_modes_back(tmp_path: Path) -> None:
    with unprivileged_user() as user:
        ws = user_workspace(user, tmp_path)
        (ws.source() / "cat" / "2.bin").chmod(0o600)
        (ws.source() / "dog").chmod(0o700)
        before = tree_digest(ws.source())

        linked = user.run("data", "link", "ds", "../raw/ds", cwd=ws.project)

        assert linked.returncode == 0, linked.stderr
        assert not has_write_bits(ws.source())
        assert user.write("new.bin", cwd=ws.source()).returncode != 0  # protection binds
        assert user.write("0.bin", cwd=ws.source() / "cat").returncode != 0

        undone = user.run("data", "unlink", "ds", "--unprotect", cwd=ws.project)

        assert undone.returncode == 0, undone.stderr
        assert tree_digest(ws.source()) == before
        assert user.write("new.bin", cwd=ws.source()).returncode == 0
        assert os.path.exists(ws.source() / "new.bin")
