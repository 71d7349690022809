"""`update --abort` and `update --continue`: undo or finish an update that was killed.

Both replay the journal under `<git dir>/dlscaffold-update/` (see `journal.py`); both are
idempotent, so either can itself be interrupted and run again.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from dlscaffold._generated.answers import ANSWERS_FILE
from dlscaffold._generated.markers import files_with_markers
from dlscaffold._interrupts import mark_work_complete
from dlscaffold._update.api import UpdateRefusedError, find_project
from dlscaffold._update.apply import redo
from dlscaffold._update.journal import (
    Journal,
    Phase,
    finish,
    git_dir,
    load,
    remove_leftovers,
    sync_paths,
)
from dlscaffold._update.lock import remove_stale_scratch, update_lock
from dlscaffold._update.rollback import UpdateInterruptedError, undo
from dlscaffold._update.signals import exit_code_for, sigterm_as_interrupt


@dataclass(frozen=True)
class ResumeResult:
    """What `abort_update` or `continue_update` did."""

    project: Path
    old_version: str
    new_version: str
    finished: bool  # True: the update was completed; False: it was undone
    leftover_markers: tuple[str, ...] = ()


def abort_update(path: str | Path = ".", *, answers_file: str = ANSWERS_FILE) -> ResumeResult:
    """Restore the project as it was before the interrupted update, byte for byte."""
    project = find_project(Path(path), answers_file=answers_file)
    remove_stale_scratch()
    with sigterm_as_interrupt(), update_lock(git_dir(project)):
        journal = _pending(project, "abort")
        undo(project, journal)  # holds off Ctrl-C and SIGTERM until done
        mark_work_complete()
    return ResumeResult(project, journal.old_version, journal.new_version, finished=False)


def continue_update(path: str | Path = ".", *, answers_file: str = ANSWERS_FILE) -> ResumeResult:
    """Finish the interrupted update: write what is left, mark its conflicts."""
    project = find_project(Path(path), answers_file=answers_file)
    remove_stale_scratch()
    with sigterm_as_interrupt(), update_lock(git_dir(project)):
        journal = _pending(project, "continue")
        if journal.phase is Phase.RUNNING_CODE:
            raise UpdateRefusedError(
                f"The update to {journal.new_version} was interrupted while the template's "
                "migrations or tasks ran, which cannot be resumed safely; run `dlscaffold "
                "update --abort`, then update again."
            )
        try:
            redo(project, journal)
            index = str(git_dir(project) / "index")
            sync_paths(project, [*(step.path for step in journal.steps), index])
            finish(journal)
            mark_work_complete()
        except KeyboardInterrupt as interrupt:
            raise UpdateInterruptedError(
                f"Interrupted; the update to {journal.new_version} is still half-done: run "
                "`dlscaffold update --continue` or `--abort` again.",
                exit_code=exit_code_for(interrupt),
            ) from None
    markers = tuple(files_with_markers(project))
    return ResumeResult(project, journal.old_version, journal.new_version, True, markers)


def _pending(project: Path, action: str) -> Journal:
    remove_leftovers(git_dir(project))
    journal = load(git_dir(project))
    if journal is None:
        raise UpdateRefusedError(f"There is no interrupted update to {action} in '{project.name}'.")
    _remove_index_lock(git_dir(project))
    return journal


def _remove_index_lock(gitdir: Path) -> None:
    """Remove the `index.lock` a killed update's own `git update-index` left behind.

    git never removes the lock of a process that was killed, so every later git command
    that writes the index fails. With a journal present and the update lock ours, the
    interrupted update is the one that held it (docs/update.md, crash safety).
    """
    (gitdir / "index.lock").unlink(missing_ok=True)
