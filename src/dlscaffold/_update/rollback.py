"""Undo a journaled update: put the project back byte for byte, modes, links and index too.

`undo` is used when an update fails or is interrupted in-process (exception, Ctrl-C,
SIGTERM), and by `update --abort` after one was killed. It is idempotent. When the template's
migrations or tasks ran (they may have written anything), git first puts back every tracked
file and HEAD (`git reset --hard`) and removes new untracked files (`git clean -d`, never
`-x`: ignored files such as data links, logs/ and models/ are never touched); the journal
then restores the paths the update wrote, including those the project's .gitignore hides,
removes the folders it created, and puts back git's index as it was. A step that fails (a
full disk) does not stop the others; the error then says exactly what was not undone.
"""

from __future__ import annotations

import os
import shlex
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from dlscaffold._generated.entries import write_entry
from dlscaffold._git import git
from dlscaffold._update.journal import Journal, Phase, Saved, finish, read_saved, sync_paths
from dlscaffold._update.signals import exit_code_for, interrupts_held_off
from dlscaffold.errors import EXIT_USER_ERROR, DlscaffoldError, UserError


class RollbackIncompleteError(UserError):
    """Undoing an update failed part-way; the message lists what is left to do."""


class UpdateInterruptedError(DlscaffoldError):
    """Ctrl-C or SIGTERM stopped an update; the message says in which state it left the project."""

    def __init__(self, message: str, *, exit_code: int) -> None:
        super().__init__(message)
        self.exit_code = exit_code


class UpdateFailedError(UserError):
    """An update failed while writing or running the template's code, and was undone."""

    def __init__(self, message: str, *, exit_code: int) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def roll_back(project: Path, journal: Journal, error: BaseException) -> None:
    """Undo the update that `error` stopped, then raise the error that tells the user so.

    Interruptions become `UpdateInterruptedError` (exit 130, or 143 for SIGTERM), expected
    failures `UpdateFailedError`; a bug is re-raised as it is, after the undo.
    """
    undo(project, journal)
    restored = f"the project was restored to how it was before the update ({journal.old_version})"
    if isinstance(error, KeyboardInterrupt):
        raise UpdateInterruptedError(
            f"Interrupted; {restored}.", exit_code=exit_code_for(error)
        ) from None
    if isinstance(error, (OSError, DlscaffoldError, subprocess.CalledProcessError)):
        code = error.exit_code if isinstance(error, DlscaffoldError) else EXIT_USER_ERROR
        raise UpdateFailedError(
            f"The update failed ({_one_line(error)}); {restored}.", exit_code=code
        ) from error
    raise error


def _one_line(error: BaseException) -> str:
    text = " ".join(str(error).split()) or type(error).__name__
    return text if len(text) <= 300 else text[:297] + "..."


@dataclass
class _Outcome:
    failed: dict[str, str] = field(default_factory=dict)  # path -> reason


def undo(project: Path, journal: Journal) -> None:
    """Restore the project as it was before the journaled update, then drop the journal.

    Raises `RollbackIncompleteError` (journal kept, so `update --abort` can retry) when
    some paths could not be restored.
    """
    with interrupts_held_off():
        outcome = _Outcome()
        if journal.phase is Phase.RUNNING_CODE:
            _try(outcome, "(tracked files and HEAD)", _reset_to_head, project, journal.head)
        _restore_paths(project, journal, outcome)
        if journal.saved_index is not None:
            _try(outcome, "(git index)", _restore_index, project, journal)
        if not outcome.failed:
            _try(outcome, "(sync)", sync_paths, project, [s.path for s in journal.steps])
        if outcome.failed:
            raise RollbackIncompleteError(_incomplete_message(journal, outcome))
        finish(journal)


def _restore_paths(project: Path, journal: Journal, outcome: _Outcome) -> None:
    """Remove what the update created, then put back what it changed or removed."""
    for step in journal.steps:
        path = project / step.path
        if step.before is None and (path.is_symlink() or path.is_file()):
            _try(outcome, step.path, path.unlink)
    for rel in sorted(journal.new_dirs, key=lambda d: d.count("/"), reverse=True):
        _try(outcome, rel, _remove_empty_folder, project / rel)
    for step in journal.steps:
        if step.before is not None:
            _try(outcome, step.path, _restore_path, project / step.path, step.before)
    for rel, mode in journal.dir_modes.items():
        _try(outcome, f"{rel}/", _restore_mode, project / rel, mode)


def _try(outcome: _Outcome, what: str, action: Callable[..., object], *args: object) -> None:
    try:
        action(*args)
    except (OSError, DlscaffoldError) as error:
        reason = error.strerror if isinstance(error, OSError) and error.strerror else str(error)
        outcome.failed[what] = reason


def _reset_to_head(project: Path, head: str) -> None:
    git("reset", "--hard", "--quiet", head, cwd=project)  # a commit id (checked by `load`)
    git("clean", "-d", "--force", "--quiet", cwd=project)


def _remove_empty_folder(folder: Path) -> None:
    if folder.is_dir() and not folder.is_symlink() and not any(folder.iterdir()):
        folder.rmdir()


def _restore_path(path: Path, before: Saved) -> None:
    if read_saved(path) == before:
        return
    write_entry(path, before.entry)
    if not before.entry.is_link:
        path.chmod(before.mode)


def _restore_mode(folder: Path, mode: int) -> None:
    if folder.is_dir() and not folder.is_symlink() and (folder.stat().st_mode & 0o7777) != mode:
        folder.chmod(mode)


def _restore_index(project: Path, journal: Journal) -> None:
    assert journal.saved_index is not None
    index = journal.folder.parent / "index"
    staged = index.with_name(f"index.dlscaffold-{os.getpid()}")
    try:
        staged.write_bytes(journal.saved_index.read_bytes())
        os.replace(staged, index)
    finally:
        staged.unlink(missing_ok=True)


def _incomplete_message(journal: Journal, outcome: _Outcome) -> str:
    files = [path for path in outcome.failed if not path.startswith("(")]
    restored = [step.path for step in journal.steps if step.path not in outcome.failed]
    reasons = sorted(set(outcome.failed.values()))
    commands = f"git reset --hard {journal.head[:12]}"
    if files:
        commands += " && git clean -d --force -- " + " ".join(shlex.quote(f) for f in files)
    return (
        f"The update could not be fully undone ({'; '.join(reasons)}). Restored "
        f"{len(restored)} of {len(journal.steps)} paths; not restored: "
        f"{', '.join(outcome.failed)}. Fix the cause (free disk space), then run `dlscaffold "
        f"update --abort`; with git alone: `{commands}` (their old contents are kept in "
        f"{journal.folder}/ until --abort succeeds)."
    )
