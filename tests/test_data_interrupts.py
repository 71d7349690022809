"""Ctrl-C and SIGTERM at chosen points of `new --link` and `data link`: all or nothing.

Each case runs dlscaffold in a real subprocess whose one function is wrapped so that the
process signals itself right after that step; the test then checks, by digests, that
nothing outside the project changed (or, past the point of no return, that all is there).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from dlscaffold._fs import STAGING_MARKER
from tests.helpers import tree_digest
from tests.test_data_helpers import Workspace, make_writable, write_dataset

DRIVER = """
import importlib, os, runpy, signal, sys, time
module_name, attr, signame = sys.argv[1:4]
module = importlib.import_module(module_name)
original = getattr(module, attr)
def hooked(*args, **kwargs):
    result = original(*args, **kwargs)
    os.kill(os.getpid(), getattr(signal, signame))
    time.sleep(5)  # the signal ends this wait
    return result
setattr(module, attr, hooked)
sys.argv = ["dlscaffold", *sys.argv[4:]]
runpy.run_module("dlscaffold", run_name="__main__")
"""


def run_interrupted(
    point: str, signame: str, *args: str, cwd: Path
) -> subprocess.CompletedProcess[str]:
    module, attr = point.rsplit(".", 1)
    src = Path(__file__).resolve().parents[1] / "src"
    env = {**os.environ, "PYTHONPATH": str(src), "COLUMNS": "250", "NO_COLOR": "1"}
    return subprocess.run(
        [sys.executable, "-c", DRIVER, module, attr, signame, *args], cwd=cwd, env=env,
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


def assert_one_line(result: subprocess.CompletedProcess[str], signame: str) -> None:
    """Exit 130 and one line for Ctrl-C, 143 and one line for SIGTERM; no traceback."""
    code, word = (143, "Terminated") if signame == "SIGTERM" else (130, "Interrupted")
    assert result.returncode == code, result.stderr
    assert "Traceback" not in result.stderr
    assert [line for line in result.stderr.splitlines() if line.strip()] == [
        f"Error: {word}; nothing was left half-done."
    ], result.stderr


NEW_POINTS = [
    ("dlscaffold._data.link.set_read_only", "SIGTERM"),
    ("dlscaffold._data.link.save_mode_record", "SIGINT"),
    ("dlscaffold._data.link.stage", "SIGTERM"),  # held back until the link is complete
    ("dlscaffold._new.link_dataset", "SIGINT"),
    ("dlscaffold._new.commit_all", "SIGTERM"),
]


@pytest.mark.parametrize(("point", "signame"), NEW_POINTS)
def test_an_interrupted_new_link_leaves_no_project_and_unprotects(
    tmp_path: Path, point: str, signame: str
) -> None:
    write_dataset(tmp_path / "raw" / "images")
    before = tree_digest(tmp_path)

    result = run_interrupted(
        point, signame, "new", "demo", "--defaults", "--no-example-data",
        "--link", "images=raw/images", cwd=tmp_path,
    )  # fmt: skip

    assert_one_line(result, signame)
    assert tree_digest(tmp_path) == before  # no project, no staging folder, modes as before


def test_a_staging_folder_left_by_a_killed_new_is_removed_by_the_next(tmp_path: Path) -> None:
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    stale = tmp_path / ".demo.abcd1234"
    (stale / ".git").mkdir(parents=True)
    marker = {"pid": dead.pid, "host": os.uname().nodename}
    (stale / ".git" / STAGING_MARKER).write_text(json.dumps(marker))
    alive = tmp_path / ".other.abcd1234"
    alive.mkdir()
    (alive / STAGING_MARKER).write_text(json.dumps({**marker, "pid": os.getpid()}))
    unmarked = tmp_path / ".mine.abcd1234"
    unmarked.mkdir()

    result = run_interrupted(
        "dlscaffold._new.remove_stale_staging", "SIGCHLD", "new", "demo", "--defaults",
        "--no-example-data", cwd=tmp_path,
    )  # fmt: skip

    assert result.returncode == 0, result.stderr
    assert "Removed 1 staging folder left by an interrupted 'dlscaffold new': .demo.abcd1234." in (
        " ".join(result.stderr.split())
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        ".mine.abcd1234",
        ".other.abcd1234",
        "demo",
    ]
    assert not list((tmp_path / "demo").rglob(STAGING_MARKER))


LINK_POINTS = [
    ("dlscaffold._data.link.set_read_only", "SIGINT", False),
    ("dlscaffold._data.link.save_mode_record", "SIGTERM", False),
    ("dlscaffold._data.link.save_records", "SIGINT", False),
    ("dlscaffold._data.link.save_registry", "SIGTERM", True),  # past the point of no return
]


@pytest.mark.parametrize(("point", "signame", "linked"), LINK_POINTS)
def test_an_interrupted_data_link_registers_only_with_its_link(
    ws: Workspace, point: str, signame: str, linked: bool
) -> None:
    project_before, source_before = tree_digest(ws.project), tree_digest(ws.source())

    result = run_interrupted(point, signame, "data", "link", "ds", "../raw/ds", cwd=ws.project)

    if linked:  # complete: the interrupt held back while registering is dropped, not reported
        assert result.returncode == 0, result.stderr
        assert "Linked data/ds -> " in result.stderr and "Error" not in result.stderr
    else:
        assert_one_line(result, signame)
    link = ws.project / "data" / "ds"
    registry = yaml.safe_load((ws.project / "data" / "datasets.yaml").read_text())["datasets"]
    if linked:
        assert link.resolve() == ws.source() and "ds" in registry
        assert (ws.project / "data" / ".manifests" / "_modes" / "ds.json").is_file()
        make_writable(ws.source())
        assert tree_digest(ws.source()) == source_before
    else:
        assert not os.path.lexists(link) and "ds" not in registry
        assert tree_digest(ws.source()) == source_before
        assert not list((ws.project / "data").rglob("ds.json"))
        after = tree_digest(ws.project)  # the per-machine records folder may stay, empty
        assert {k: v for k, v in after.items() if not k.startswith("data/.manif")} == (
            project_before
        )


def test_sigterm_is_restored_after_a_command(tmp_path: Path) -> None:
    from dlscaffold._interrupts import interruptible, shielded

    before = signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT)
    with interruptible(), shielded():
        pass
    assert (signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT)) == before


def test_a_new_link_that_fails_after_protecting_gives_the_modes_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import dlscaffold._new
    from tests.test_data_helpers import cli

    write_dataset(tmp_path / "raw" / "images")
    (tmp_path / "raw" / "images" / "labels.csv").chmod(0o664)
    before = tree_digest(tmp_path)

    def full_disk(*args: object, **kwargs: object) -> str:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(dlscaffold._new, "commit_all", full_disk)
    code, _, err = cli(
        "new", "demo", "--defaults", "--no-example-data", "--link", "images=raw/images",
        cwd=tmp_path,
    )  # fmt: skip

    assert code == 1, err
    assert tree_digest(tmp_path) == before


def test_only_stale_staging_folders_of_this_machine_are_removed(tmp_path: Path) -> None:
    from dlscaffold._fs import remove_stale_staging

    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    here = {"pid": dead.pid, "host": os.uname().nodename}
    cases = {
        ".a.stale000": here,
        ".b.elsewher": {**here, "host": "another-machine"},
        ".c.garbage0": "not json",
        "d.visible00": here,  # not hidden: never a staging folder
    }
    for name, marker in cases.items():
        (tmp_path / name).mkdir()
        text = marker if isinstance(marker, str) else json.dumps(marker)
        (tmp_path / name / STAGING_MARKER).write_text(text)
    (tmp_path / ".e.linkedxx").symlink_to(tmp_path / ".a.stale000")

    assert remove_stale_staging(tmp_path) == [".a.stale000"]
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        ".b.elsewher", ".c.garbage0", ".e.linkedxx", "d.visible00"
    ]  # fmt: skip
