"""An update killed at any moment leaves the old project, the new one, or a journal that
`dlscaffold update --abort` / `--continue` turns into one of them, byte for byte.

The kill tests run the real `dlscaffold` in subprocesses, slowed by the test hook
`DLSCAFFOLD_TEST_WRITE_DELAY` (a pause before each journaled write) so that a seeded random
SIGKILL lands inside the write phase, and compare files, modes, symlinks, git's index and
`git status` with an uninterrupted update of a copy of the same project.
"""

from __future__ import annotations

import errno
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from helpers import git, tree_digest
from test_update_support import (
    MAIN_V1,
    build_template,
    commit_all,
    make_project,
    project_with_slow_task,
    v1_spec,
    v2_spec,
)

import dlscaffold._update.api as api_module
import dlscaffold._update.apply as apply_module
import dlscaffold._update.journal as journal_module
import dlscaffold._update.rollback as rollback_module
from dlscaffold._update import update_project
from dlscaffold._update.journal import JournalError
from dlscaffold._update.resume import abort_update, continue_update
from dlscaffold._update.rollback import RollbackIncompleteError, UpdateInterruptedError
from dlscaffold.errors import UserError

SRC = Path(__file__).resolve().parents[1] / "src"
JOURNAL = ".git/dlscaffold-update"
KILLS = 20
DELAY = 0.03  # seconds before each write: the write phase lasts about steps x DELAY


def state(project: Path) -> tuple[dict[str, str], str, str]:
    """Files (content, mode, link target), git's index entries (stages too), `git status`."""
    files = {k: v for k, v in tree_digest(project).items() if not k.startswith(".git/")}
    index = git("ls-files", "--stage", cwd=project)
    status = git("status", "--porcelain", "--ignored", "--untracked-files=all", cwd=project)
    return files, index, status


def spawn(project: Path, *args: str, tmpdir: Path, delay: float = DELAY) -> subprocess.Popen:
    env = {
        **os.environ,
        "PYTHONPATH": f"{SRC}{os.pathsep}{os.environ.get('PYTHONPATH', '')}",
        "DLSCAFFOLD_TEST_WRITE_DELAY": str(delay),
        "TMPDIR": str(tmpdir),
    }
    return subprocess.Popen(
        [sys.executable, "-m", "dlscaffold", "update", *args],
        cwd=project, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        start_new_session=True,
    )  # fmt: skip


def cli(project: Path, *args: str, tmpdir: Path) -> subprocess.CompletedProcess[str]:
    proc = spawn(project, *args, tmpdir=tmpdir, delay=0)
    out, err = proc.communicate(timeout=120)
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


def wait_for(path: Path, proc: subprocess.Popen, timeout: float = 120) -> bool:
    """Wait until `path` exists (True) or `proc` ends (False)."""
    deadline = time.monotonic() + timeout
    while not path.exists():
        if proc.poll() is not None or time.monotonic() > deadline:
            return path.exists()
        time.sleep(0.002)
    return True


def crash_template(tmp_path: Path) -> Path:
    """v1 -> v2 with edits, a deletion, a retargeted link, new nested folders, a conflict."""
    v2 = v2_spec()
    v2["project/pkg/sub/mod.py"] = "x = 1\n"
    v2["project/pkg/sub/deeper/data.yaml"] = "a: 1\n"
    return build_template(tmp_path / "template", {"v1": v1_spec(), "v2": v2})


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A project at v1 with a user edit that conflicts, an ignored file the update overwrites,
    an ignored file it never touches, and an unusual folder mode."""
    project = make_project(tmp_path, crash_template(tmp_path))
    (project / "src/main.py").write_text(MAIN_V1.replace("line 2\n", "line 2 (mine)\n"))
    (project / ".gitignore").write_text("logs/\nsrc/new.py\n")
    commit_all(project)
    (project / "logs").mkdir()
    (project / "logs/run.txt").write_text("my run\n")
    (project / "src/new.py").write_text("mine, ignored\n")
    (project / "src/new.py").chmod(0o600)
    (project / "configs").chmod(0o750)
    return project


def updated_copy(project: Path, where: Path) -> tuple[dict[str, str], str, str]:
    """The state an uninterrupted update of a copy of `project` gives."""
    shutil.copytree(project, where, symlinks=True)
    update_project(where, defaults=True)
    return state(where)


def named_commands(message: str) -> list[str]:
    return re.findall(r"`dlscaffold update (--abort|--continue)(?: [^`]+)?`", message)


def test_sigkill_at_random_moments_then_abort_or_continue(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The killed update is a real process; what follows runs in this one (same code, and
    no interpreter start-up per step, which would make 20 rounds slow)."""
    rng = random.Random(8)
    old = state(project)
    new = updated_copy(project, tmp_path / "expected")
    assert new != old
    steps = len([p for p in new[0] if new[0][p] != old[0].get(p)]) + 4  # roughly
    tmpdir = tmp_path / "tmp"
    tmpdir.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(tmpdir))
    outcomes = []
    for run in range(KILLS):
        copy = tmp_path / f"run{run}"
        shutil.copytree(project, copy, symlinks=True)
        proc = spawn(copy, "--defaults", tmpdir=tmpdir)
        if not wait_for(copy / JOURNAL, proc):  # a very loaded machine missed the journal
            assert proc.wait() == 5 and state(copy) == new, proc.communicate()
            outcomes.append("finished")
            shutil.rmtree(copy)
            continue
        time.sleep(rng.uniform(0, steps * DELAY))
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()

        with pytest.raises(UserError) as refused:  # what the next plain update says
            update_project(copy, defaults=True)
        assert list(tmpdir.iterdir()) == [], "a killed run's scratch folder was not cleaned"
        commands = named_commands(str(refused.value))
        if commands:
            assert commands == ["--continue", "--abort"], refused.value
            choice = rng.choice(commands)
            if choice == "--abort":
                abort_update(copy)
            else:
                continue_update(copy)
            expected = old if choice == "--abort" else new
            outcomes.append(choice)
        else:  # killed after the update had finished: only the uncommitted result is left
            assert "uncommitted changes" in str(refused.value)
            expected = new
            outcomes.append("finished")
        assert state(copy) == expected, f"run {run}: {outcomes[-1]}"
        assert not list(copy.glob(".git/dlscaffold-update*")), run
        shutil.rmtree(copy)
    # Most kills must land inside the write phase, both ways of resuming being exercised.
    assert outcomes.count("--abort") >= 3 and outcomes.count("--continue") >= 3, outcomes


def test_sigterm_rolls_back_with_one_line_and_exit_143(project: Path, tmp_path: Path) -> None:
    old = state(project)
    proc = spawn(project, "--defaults", tmpdir=tmp_path, delay=0.3)
    assert wait_for(project / JOURNAL, proc), proc.communicate()
    time.sleep(0.5)
    os.killpg(proc.pid, signal.SIGTERM)  # as CI cancellation or `timeout` does
    _, stderr = proc.communicate(timeout=60)

    assert proc.returncode == 143, stderr
    assert stderr.strip() == (
        "Error: Interrupted; the project was restored to how it was before the update (v1)."
    )
    assert state(project) == old
    assert not list(project.glob(".git/dlscaffold-update*"))
    assert not list(tmp_path.glob("dlscaffold-update-*"))


def test_one_update_at_a_time_and_a_dead_owners_lock_is_taken_over(
    project: Path, tmp_path: Path
) -> None:
    old = state(project)
    first = spawn(project, "--defaults", tmpdir=tmp_path, delay=1.0)
    assert wait_for(project / JOURNAL, first), first.communicate()

    second = cli(project, "--defaults", tmpdir=tmp_path)
    also = cli(project, "--abort", tmpdir=tmp_path)

    for refused in (second, also):
        assert refused.returncode == 1
        assert refused.stderr.strip() == (
            "Error: Another dlscaffold update of this project is running (PID "
            f"{first.pid}); wait for it to finish."
        )
    os.killpg(first.pid, signal.SIGKILL)
    first.wait()
    assert (project / ".git/dlscaffold-update.lock").read_text().strip() == str(first.pid)

    aborted = cli(project, "--abort", tmpdir=tmp_path)

    assert aborted.returncode == 0, aborted.stderr
    assert "Restored . to how it was before the update (v1)." in aborted.stderr
    assert state(project) == old
    assert not (project / ".git/dlscaffold-update.lock").exists()


@pytest.mark.parametrize("flag", ["--continue", "--abort"])
def test_abort_and_continue_report_as_json(project: Path, tmp_path: Path, flag: str) -> None:
    old = state(project)
    shutil.copytree(project, tmp_path / "uninterrupted", symlinks=True)
    markers = update_project(tmp_path / "uninterrupted", defaults=True).leftover_markers
    killed = spawn(project, "--defaults", tmpdir=tmp_path, delay=1.0)
    assert wait_for(project / JOURNAL, killed), killed.communicate()
    os.killpg(killed.pid, signal.SIGKILL)
    killed.wait()

    resumed = cli(project, flag, "--json", tmpdir=tmp_path)

    envelope = json.loads(resumed.stdout)
    finished = flag == "--continue"
    assert resumed.returncode == envelope["exit_code"] == (5 if finished else 0), resumed.stderr
    assert envelope["ok"] is not finished  # `ok` is `exit_code == 0`; 5: conflicts left
    assert envelope["command"] == "update" and envelope["error"] is None
    assert envelope["result"] == {
        "project": str(project),
        "action": flag.removeprefix("--"),
        "old_version": "v1",
        "new_version": "v2",
        "finished": finished,
        "leftover_markers": list(markers) if finished else [],
    }
    assert "src/main.py" in markers  # the user's edit conflicts
    if not finished:
        assert state(project) == old


def test_stale_scratch_folders_are_removed_at_the_next_start(project: Path, tmp_path: Path) -> None:
    dead = subprocess.Popen(["true"])
    dead.wait()
    stale = tmp_path / f"dlscaffold-update-{dead.pid}-abcd1234"
    live = tmp_path / f"dlscaffold-update-{os.getpid()}-efgh5678"
    for folder in (stale, live):
        (folder / "new/src").mkdir(parents=True)
        (folder / "new/src/main.py").write_text("x\n")

    result = cli(project, "--diff", "--defaults", tmpdir=tmp_path)

    assert result.returncode == 5, result.stderr  # a preview; the user's edit conflicts
    assert not stale.exists()
    assert (live / "new/src/main.py").exists()


def test_an_update_killed_in_its_tasks_can_only_be_aborted(tmp_path: Path) -> None:
    project = project_with_slow_task(tmp_path)
    old = state(project)
    proc = spawn(project, "--defaults", "--trust", tmpdir=tmp_path, delay=0)
    assert wait_for(project / "started.flag", proc), proc.communicate()
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()

    refused = cli(project, "--defaults", tmpdir=tmp_path)
    not_continued = cli(project, "--continue", tmpdir=tmp_path)
    aborted = cli(project, "--abort", tmpdir=tmp_path)

    assert named_commands(refused.stderr) == ["--abort"], refused.stderr
    assert not_continued.returncode == 1
    assert "cannot be resumed safely" in not_continued.stderr
    assert aborted.returncode == 0, aborted.stderr
    assert state(project) == old


def test_ctrl_c_after_the_write_phase_says_the_update_finished(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    new = updated_copy(project, tmp_path / "expected")

    def interrupted_scan(*args: object, **kwargs: object) -> list[str]:
        raise KeyboardInterrupt

    monkeypatch.setattr(api_module, "files_with_markers", interrupted_scan)

    with pytest.raises(UpdateInterruptedError, match="after the update to template v2 had fin"):
        update_project(project, defaults=True)

    assert state(project) == new
    assert not (project / JOURNAL).exists()


def test_a_full_disk_during_rollback_says_what_was_not_undone(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    old = state(project)
    writes = []
    real_write = apply_module.write_entry
    real_restore = rollback_module.write_entry

    def write_until_full(path: Path, entry: object) -> None:
        writes.append(path)
        if len(writes) == 5:
            raise OSError(errno.ENOSPC, "No space left on device")
        real_write(path, entry)

    def restore_until_full(path: Path, entry: object) -> None:
        if path.name == "README.md":
            raise OSError(errno.ENOSPC, "No space left on device")
        real_restore(path, entry)

    monkeypatch.setattr(apply_module, "write_entry", write_until_full)
    monkeypatch.setattr(rollback_module, "write_entry", restore_until_full)

    with pytest.raises(RollbackIncompleteError) as raised:
        update_project(project, defaults=True)

    message = str(raised.value)
    assert "could not be fully undone (No space left on device)" in message
    assert re.search(r"Restored \d+ of \d+ paths; not restored: README.md\.", message)
    assert "`dlscaffold update --abort`" in message
    assert "git reset --hard " in message and "git clean -d --force -- README.md" in message
    assert (project / JOURNAL).exists()

    monkeypatch.setattr(rollback_module, "write_entry", real_restore)  # space was freed
    abort_update(project)

    assert state(project) == old
    assert not (project / JOURNAL).exists()


def test_a_git_index_lock_left_by_the_killed_update_does_not_block_continue(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A kill inside the update's own `git update-index` leaves `.git/index.lock`."""
    new = updated_copy(project, tmp_path / "expected")
    real_write, real_restore = apply_module.write_entry, rollback_module.write_entry

    def write_until_full(path: Path, entry: object) -> None:
        if path.name == "README.md":
            raise OSError(errno.ENOSPC, "No space left on device")
        real_write(path, entry)

    def restore_fails(path: Path, entry: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(apply_module, "write_entry", write_until_full)
    monkeypatch.setattr(rollback_module, "write_entry", restore_fails)
    with pytest.raises(RollbackIncompleteError):  # the journal stays, as after a kill
        update_project(project, defaults=True)
    monkeypatch.setattr(apply_module, "write_entry", real_write)
    monkeypatch.setattr(rollback_module, "write_entry", real_restore)
    (project / ".git" / "index.lock").write_text("")  # as a killed git leaves it

    continue_update(project)

    assert state(project) == new
    assert not (project / ".git" / "index.lock").exists()


def test_abort_and_continue_need_an_interrupted_update(project: Path, tmp_path: Path) -> None:
    for flag in ("--abort", "--continue"):
        result = cli(project, flag, tmpdir=tmp_path)
        assert result.returncode == 1
        action = flag.removeprefix("--")
        assert result.stderr.strip() == (
            f"Error: There is no interrupted update to {action} in 'proj'."
        )


def test_a_journal_that_cannot_be_written_changes_nothing(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    old = state(project)
    real_write = journal_module._write_synced
    calls = []

    def full_disk(path: Path, data: bytes) -> None:
        calls.append(path)
        if len(calls) == 2:
            raise OSError(errno.ENOSPC, "No space left on device")
        real_write(path, data)

    monkeypatch.setattr(journal_module, "_write_synced", full_disk)

    with pytest.raises(JournalError, match=r"\(No space left on device\); nothing was changed"):
        update_project(project, defaults=True)

    assert state(project) == old
    assert not list(project.glob(".git/dlscaffold-update*"))


def test_abort_and_continue_take_no_other_update_options(project: Path, tmp_path: Path) -> None:
    both = cli(project, "--abort", "--continue", tmpdir=tmp_path)
    with_ref = cli(project, "--continue", "--vcs-ref", "v2", tmpdir=tmp_path)

    assert both.returncode == with_ref.returncode == 1
    assert both.stderr.strip() == "Error: --abort and --continue exclude each other; pass one."
    assert "they take no --vcs-ref" in with_ref.stderr
