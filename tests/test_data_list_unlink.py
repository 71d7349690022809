"""`dlscaffold data list` and `dlscaffold data unlink`."""

from __future__ import annotations

import json
import os
import re

import pytest
import yaml

from dlscaffold._data.link import link_dataset
from dlscaffold._data.verify import verify_datasets
from tests.helpers import tree_digest
from tests.test_data_helpers import (
    Workspace,
    cli,
    make_writable,
)


def table_rows(out: str) -> list[list[str]]:
    return [
        [cell.strip() for cell in line.strip("│┃ ").replace("┃", "│").split("│")]
        for line in out.splitlines()
        if line.startswith(("│", "┃"))
    ]


def test_list_shows_each_dataset(ws: Workspace) -> None:
    link_dataset(ws.project, "ds", ws.source())
    (ws.root / "raw" / "big").mkdir()
    (ws.root / "raw" / "big" / "x.bin").write_bytes(b"x" * 3 * 1024 * 1024)
    link_dataset(ws.project, "big", ws.root / "raw" / "big", protect=False)
    verify_datasets(ws.project, "big")
    (ws.project / "data" / "manual").symlink_to("/nowhere")
    source_before = tree_digest(ws.source())

    code, out, err = cli("data", "list", cwd=ws.project)

    assert code == 0, err
    header = ["name", "target", "exists", "files", "size", "protected", "last verified"]
    rows = table_rows(out)
    assert rows[0] == header
    assert rows[1] == ["ds", "../../raw/ds", "yes", "7", "71 B", "yes", "never"]
    assert rows[2][:6] == ["big", "../../raw/big", "yes", "1", "3.0 MiB", "no"]
    assert re.fullmatch(r"20\d\d-\d\d-\d\d \d\d:\d\d UTC", rows[2][6])
    assert rows[3] == ["manual", "/nowhere", "no", "-", "-", "-", "not registered"]
    assert tree_digest(ws.source()) == source_before


def test_list_json_is_for_scripts(ws: Workspace) -> None:
    link_dataset(ws.project, "ds", ws.source())

    code, out, _ = cli("data", "list", "--json", "--project", str(ws.project / "data"))

    assert code == 0
    [row] = json.loads(out)["result"]["datasets"]
    assert row["name"] == "ds" and row["exists"] is True and row["registered"] is True
    assert row["manifest"]["files"] == 7 and row["verified_at"] is None


def test_list_of_a_project_without_datasets(ws: Workspace) -> None:
    code, out, err = cli("data", "list", cwd=ws.project)

    assert code == 0 and out == ""
    assert "No datasets linked; add one with 'dlscaffold data link NAME SOURCE'." in err


def test_unlink_removes_link_entry_and_records_but_keeps_the_protected_source(
    ws: Workspace,
) -> None:
    link_dataset(ws.project, "ds", ws.source())
    source_before = tree_digest(ws.source())

    code, _, err = cli("data", "unlink", "ds", cwd=ws.project)

    assert code == 0, err
    assert " ".join(err.split()) == (
        f"Unlinked data/ds; the source {ws.source()} is kept. "
        "It stays read-only; 'unlink --unprotect' would give write access back."
    )
    assert not os.path.lexists(ws.project / "data" / "ds")
    assert not (ws.project / "data" / ".manifests" / "ds.json").exists()
    registry = yaml.safe_load((ws.project / "data" / "datasets.yaml").read_text())
    assert registry == {"version": 1, "datasets": {}}
    assert tree_digest(ws.source()) == source_before  # still read-only, content intact


def test_unlink_unprotect_gives_back_exactly_the_modes_it_changed(ws: Workspace) -> None:
    (ws.source() / "cat" / "0.bin").chmod(0o666)  # group- and world-writable: kept so
    (ws.source() / "cat" / "1.bin").chmod(0o444)  # read-only already: never touched
    (ws.source() / "dog").chmod(0o750)
    before = tree_digest(ws.source())
    link_dataset(ws.project, "ds", ws.source())

    code, _, err = cli("data", "unlink", "ds", "--unprotect", cwd=ws.project)

    assert code == 0, err
    assert "Gave back the modes protection changed (10 paths)." in err
    assert tree_digest(ws.source()) == before
    assert not (ws.project / "data" / ".manifests" / "_modes" / "ds.json").exists()


def test_unlink_unprotect_refuses_when_the_link_is_gone(ws: Workspace) -> None:
    link_dataset(ws.project, "ds", ws.source())
    (ws.project / "data" / "ds").unlink()
    before = tree_digest(ws.root)

    code, _, err = cli("data", "unlink", "ds", "--unprotect", cwd=ws.project)

    assert code == 1
    assert " ".join(err.split()) == (
        f"Error: Cannot give write access back: data/ds no longer leads to the folder "
        f"dlscaffold protected ({ws.source()}); run unlink without --unprotect."
    )
    assert tree_digest(ws.root) == before
    assert cli("data", "unlink", "ds", cwd=ws.project)[0] == 0


def test_unlink_of_a_hand_made_link(ws: Workspace) -> None:
    (ws.project / "data").mkdir(exist_ok=True)
    (ws.project / "data" / "manual").symlink_to("../../raw/ds")

    assert cli("data", "unlink", "manual", cwd=ws.project)[0] == 0
    assert ws.source().is_dir() and not os.path.lexists(ws.project / "data" / "manual")


@pytest.mark.parametrize(
    ("name", "args", "message"),
    [
        ("nope", [], "Error: No dataset 'nope' in this project; 'dlscaffold data list' shows"),
        ("../raw", [], "Error: Dataset name '../raw' is not a plain name"),
        ("real", [], "Error: 'data/real' is a real folder or file, not a link; dlscaffold"),
        ("gone", ["--unprotect"], "Error: No record of the modes dlscaffold changed when it"),
    ],
)
def test_bad_unlink_is_refused_and_changes_nothing(
    ws: Workspace, name: str, args: list[str], message: str
) -> None:
    link_dataset(ws.project, "ds", ws.source())
    (ws.project / "data" / "real").mkdir()
    (ws.project / "data" / "real" / "keep.txt").write_text("precious")
    (ws.project / "data" / "gone").symlink_to("../../raw/gone")
    before = tree_digest(ws.root)

    code, _, err = cli("data", "unlink", name, *args, cwd=ws.project)

    assert code == 1
    assert err.startswith(message), err
    assert tree_digest(ws.root) == before


def test_unprotecting_the_shared_example_dataset_warns_about_other_projects(
    ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    shared = ws.root / "raw" / "shared"
    monkeypatch.setenv("DLSCAFFOLD_DATASETS", str(shared))
    digits = shared / "digits"
    digits.mkdir(parents=True)
    (digits / "0.png").write_bytes(b"x")
    link_dataset(ws.project, "digits", digits)

    code, _, err = cli("data", "unlink", "digits", "--unprotect", cwd=ws.project)

    assert code == 0, err
    assert " ".join(err.split()).endswith(
        f"Warning: {digits} is dlscaffold's shared example dataset: other projects may link "
        f"it, and it is writable now; make it read-only again with 'chmod -R a-w {digits}'."
    )
    make_writable(shared)
