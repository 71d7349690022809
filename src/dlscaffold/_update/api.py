"""`update_project`: bring a generated project to a newer template version, or preview it."""

from __future__ import annotations

import shlex
from collections.abc import Callable, Mapping
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dlscaffold._engine import Render, ReplacedAnswer, rendered
from dlscaffold._generated.answers import ANSWERS_FILE, RecordedAnswers, read_answers
from dlscaffold._generated.markers import files_with_markers
from dlscaffold._generated.source import is_older, list_versions, resolve_source
from dlscaffold._git import is_clean, is_repo_root
from dlscaffold._interrupts import mark_work_complete
from dlscaffold._outside_links import check_links
from dlscaffold._project import project_root
from dlscaffold._templates import is_default_template
from dlscaffold._update.apply import head_commit, planned_writes, redo, unmerged_index_info
from dlscaffold._update.codes import (
    EXIT_NOTHING_TO_DO,
    EXIT_UPDATED,
    EXIT_UPDATED_WITH_CONFLICTS,
)
from dlscaffold._update.ignored import note_ignored
from dlscaffold._update.journal import JOURNAL_NAME, Phase, git_dir, set_phase, sync_paths
from dlscaffold._update.journal import finish as finish_journal
from dlscaffold._update.journal import load as load_journal
from dlscaffold._update.journal import remove_leftovers as remove_journal_leftovers
from dlscaffold._update.journal import start as start_journal
from dlscaffold._update.lock import remove_stale_scratch, scratch_folder, update_lock
from dlscaffold._update.plan import FileChange, Status, plan_update
from dlscaffold._update.rollback import UpdateInterruptedError, roll_back
from dlscaffold._update.signals import exit_code_for, interrupts_deferred, sigterm_as_interrupt
from dlscaffold.errors import UntrustedTemplateError, UserError

STAGES = ("before", "after")


class UpdateRefusedError(UserError):
    """The project cannot be updated as it is (dirty tree, downgrade, not a git project)."""


@dataclass(frozen=True)
class UpdateResult:
    """What `update_project` did (or, with `pretend`, would do)."""

    project: Path
    old_version: str
    new_version: str | None
    changes: tuple[FileChange, ...]
    applied: bool
    leftover_markers: tuple[str, ...] = ()
    tasks_run: bool = False
    warnings: tuple[str, ...] = ()  # e.g. symlinks outside the project, allowed by --trust
    # Recorded answers the new version rejects, answered anew (its default, or at a prompt).
    replaced_answers: tuple[ReplacedAnswer, ...] = ()
    message_after: str = ""  # the template's `_message_after_update`, rendered

    @property
    def conflicts(self) -> tuple[FileChange, ...]:
        """The files left with conflict markers."""
        return tuple(c for c in self.changes if c.status is Status.CONFLICT)

    @property
    def nothing_to_do(self) -> bool:
        """Tell whether the update leaves every file as it was."""
        return not any(change.writes for change in self.changes)

    @property
    def exit_code(self) -> int:
        """The documented exit code for this outcome (see `dlscaffold._update.codes`)."""
        if self.nothing_to_do:
            return EXIT_NOTHING_TO_DO
        return EXIT_UPDATED_WITH_CONFLICTS if self.conflicts else EXIT_UPDATED


def update_project(
    path: str | Path = ".",
    *,
    vcs_ref: str | None = None,
    data: Mapping[str, Any] | None = None,
    defaults: bool = False,
    trust: bool = False,
    pretend: bool = False,
    answers_file: str = ANSWERS_FILE,
    on_message: Callable[[str], None] | None = None,
) -> UpdateResult:
    """Update the project at `path` to template version `vcs_ref` (the newest by default).

    Args:
        path: The project's root folder (a git work tree).
        vcs_ref: Target template version (tag or commit); the newest tag by default.
        data: Answers to change or to give for new questions; the others are kept.
        defaults: Answer new questions with their defaults instead of asking.
        trust: Allow a non-default template to run its tasks.
        pretend: Compute and return the changes without writing anything.
        answers_file: The answers file, relative to the project.
        on_message: Receives the template's `_message_before_update` (not in a preview).

    One update per project runs at a time (`UpdateRunningError`); an interrupted one must be
    finished or undone first (`continue_update`, `abort_update`). SIGTERM is handled as
    Ctrl-C; either raises `UpdateInterruptedError`, whose message says whether the project
    was left untouched, restored, or fully updated.
    """
    project = find_project(Path(path), answers_file=answers_file)
    remove_stale_scratch()
    progress = _Progress(git_dir(project))
    with sigterm_as_interrupt(), update_lock(progress.gitdir):
        try:
            result = _update(
                project, progress, vcs_ref=vcs_ref, data=data, defaults=defaults, trust=trust,
                pretend=pretend, answers_file=answers_file, on_message=on_message,
            )  # fmt: skip
            mark_work_complete()  # the CLI's handlers ignore interrupts while it reports
            return result
        except KeyboardInterrupt as interrupt:
            raise UpdateInterruptedError(
                progress.interrupted(), exit_code=exit_code_for(interrupt)
            ) from None


@dataclass
class _Progress:
    """How far an update got, for the message of an interruption outside the rollback."""

    gitdir: Path
    journal_started: bool = False
    finished_version: str | None = None

    def interrupted(self) -> str:
        """Say, truthfully, in which state the interruption left the project."""
        if self.finished_version is not None:
            return (
                f"Interrupted after the update to template {self.finished_version} had "
                "finished; review it with `git status`."
            )
        if (self.gitdir / JOURNAL_NAME).exists():
            return (
                "Interrupted; the update is half-done: run `dlscaffold update --continue` to "
                "finish it or `dlscaffold update --abort` to restore the project."
            )
        if self.journal_started:
            return "Interrupted; the project was restored to how it was before the update."
        return "Interrupted; nothing was changed."


def _update(
    project: Path,
    progress: _Progress,
    *,
    vcs_ref: str | None,
    data: Mapping[str, Any] | None,
    defaults: bool,
    trust: bool,
    pretend: bool,
    answers_file: str,
    on_message: Callable[[str], None] | None,
) -> UpdateResult:
    refuse_pending(project)
    if not pretend and not is_clean(project):
        raise UpdateRefusedError(
            f"Project '{project.name}' has uncommitted changes; commit or stash them, then "
            "update (or preview with --diff)."
        )
    recorded = read_answers(project, answers_file)
    src = resolve_source(recorded.src, project)
    trusted = trust or is_default_template(recorded.src)
    target = vcs_ref or _latest(src)
    if target is not None and is_older(recorded.commit, target):
        raise UpdateRefusedError(
            f"The project is at template version {recorded.commit}, newer than {target}; "
            "downgrades are not supported."
        )
    if target == recorded.commit and not data and src == recorded.src:
        return UpdateResult(project, recorded.commit, target, (), applied=False)
    with scratch_folder() as tmp, ExitStack() as stack:
        new = stack.enter_context(
            rendered(
                src=src,
                dst=Path(tmp, "new"),
                vcs_ref=target,
                data=dict(data or {}),
                defaults=defaults,
                trust=trusted,
                checked=data,
                recorded=recorded.data,
                operation="update",
                on_message=None if pretend else on_message,
                project=project,
            )
        )
        # Paths the new version excludes are no longer the template's: never delete them.
        base = stack.enter_context(
            rendered(
                src=src,
                dst=Path(tmp, "base"),
                vcs_ref=recorded.commit,
                data=recorded.data,
                defaults=True,
                trust=trusted,
                exclude=new.exclusions,
                project=project,
            )
        )
        changes = tuple(_plan(base, project, new, answers_file))
        links = _links(changes)
        warnings = tuple(check_links(new.path, src=recorded.src, trusted=trusted, relpaths=links))
        result = UpdateResult(
            project, recorded.commit, new.commit or new.version, changes, applied=False,
            warnings=warnings, replaced_answers=new.replaced_answers,
        )  # fmt: skip
        if pretend or result.nothing_to_do:
            return result
        runs_code = new.has_tasks or any(new.migrations(stage, base) for stage in STAGES)
        if runs_code and not trusted:
            raise UntrustedTemplateError(
                f"Template '{recorded.src}' runs tasks or migrations during an update; review "
                "it, then pass --trust to allow it (nothing was changed)."
            )
        progress.journal_started = True  # from here on, the journal tells the state
        _apply(project, changes, new, base, versions=(recorded.commit, str(result.new_version)))
        progress.finished_version = str(result.new_version)
        _remember_pristine(src, new, answers_file)
    markers = files_with_markers(project, also=(c.path for c in changes if c.writes))
    return UpdateResult(
        project,
        recorded.commit,
        result.new_version,
        changes,
        applied=True,
        leftover_markers=tuple(markers),
        tasks_run=new.has_tasks,
        warnings=warnings,
        replaced_answers=result.replaced_answers,
        message_after=new.message_after,
    )


def find_project(path: Path, *, answers_file: str) -> Path:
    """Return the root of the project at or above `path`; it must be a git work tree's root."""
    project = project_root(path, answers_file=answers_file)
    if not project.is_dir():
        raise UpdateRefusedError(f"'{path}' is not a folder.")
    if not is_repo_root(project):
        raise UpdateRefusedError(
            f"'{project}' is not the root of a git repository; updates need git to be undoable."
        )
    return project


def refuse_pending(project: Path) -> None:
    """Refuse to start while an interrupted update waits to be finished or undone."""
    remove_journal_leftovers(git_dir(project))
    journal = load_journal(git_dir(project))
    if journal is None:
        return
    where = "" if Path.cwd().resolve() == project.resolve() else f" {shlex.quote(str(project))}"
    stopped = f"An update of this project from {journal.old_version} to {journal.new_version}"
    if journal.phase is Phase.RUNNING_CODE:
        raise UpdateRefusedError(
            f"{stopped} was interrupted while the template's migrations or tasks ran; run "
            f"`dlscaffold update --abort{where}` to restore the project as it was."
        )
    raise UpdateRefusedError(
        f"{stopped} was interrupted; run `dlscaffold update --continue{where}` to finish it, "
        f"or `dlscaffold update --abort{where}` to restore the project as it was."
    )


def _links(changes: tuple[FileChange, ...]) -> list[str]:
    """The symlinks the update would write."""
    return [c.path for c in changes if c.writes and c.after is not None and c.after.is_link]


def _latest(src: str) -> str | None:
    versions = list_versions(src)
    return versions[-1] if versions else None


def _plan(base: Render, project: Path, new: Render, answers_file: str) -> list[FileChange]:
    changes = plan_update(
        base.path,
        project,
        new.path,
        answers_relpath=answers_file,
        skip=lambda rel: new.match_skip(Path(rel)),
    )
    return note_ignored(project, changes)


def _remember_pristine(src: str, new: Render, answers_file: str) -> None:
    """Cache the new version's pristine digests, so the next `dlscaffold check` is fast."""
    from dlscaffold._generated import pristine

    try:
        recorded = read_answers(new.path, answers_file)  # as `check` will read it
    except UserError:
        return
    digests = pristine.tree_digests(
        new.path, skip=lambda rel: new.match_skip(Path(rel)), answers_relpath=answers_file
    )
    folder = new.project.name if new.project is not None else None
    pristine.store(pristine.cache_key(src, recorded.commit, recorded.data, folder), digests)


def _apply(
    project: Path,
    changes: tuple[FileChange, ...],
    new: Render,
    base: Render,
    *,
    versions: tuple[str, str],
) -> None:
    """Journal the update, write it, run migrations and tasks; undo it all if anything fails."""
    before_code = bool(new.migrations("before", base))
    after_code = new.has_tasks or bool(new.migrations("after", base))
    gitdir = git_dir(project)
    with interrupts_deferred():  # the journal is complete or absent
        journal = start_journal(
            project,
            gitdir,
            head=head_commit(project),
            old_version=versions[0],
            new_version=versions[1],
            writes=planned_writes(changes),
            index_info=unmerged_index_info(project, changes),
            phase=Phase.RUNNING_CODE if before_code else Phase.WRITING,
        )
    try:
        if before_code:
            new.run_migrations("before", base, project)
        redo(project, journal)
        if after_code:
            journal = set_phase(journal, Phase.RUNNING_CODE)
            new.run_migrations("after", base, project)
            if new.has_tasks:
                new.run_tasks(project)
        sync_paths(project, [*(step.path for step in journal.steps), str(gitdir / "index")])
        finish_journal(journal)
    except BaseException as error:
        roll_back(project, journal, error)


__all__ = ["RecordedAnswers", "UpdateRefusedError", "UpdateResult", "update_project"]
