"""`update_project`: bring a generated project to a newer template version, or preview it."""

from __future__ import annotations

import tempfile
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
from dlscaffold._project import project_root
from dlscaffold._templates import is_default_template
from dlscaffold._update.apply import mark_unmerged, write_changes
from dlscaffold._update.codes import (
    EXIT_NOTHING_TO_DO,
    EXIT_UPDATED,
    EXIT_UPDATED_WITH_CONFLICTS,
)
from dlscaffold._update.ignored import note_ignored
from dlscaffold._update.plan import FileChange, Status, plan_update
from dlscaffold._update.rollback import rollback_on_failure
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
    """
    project = _check_project(Path(path), pretend=pretend, answers_file=answers_file)
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
    with tempfile.TemporaryDirectory(prefix="dlscaffold-update-") as tmp, ExitStack() as stack:
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
        result = UpdateResult(
            project, recorded.commit, new.commit or new.version, changes, applied=False,
            replaced_answers=new.replaced_answers,
        )  # fmt: skip
        if pretend or result.nothing_to_do:
            return result
        runs_code = new.has_tasks or any(new.migrations(stage, base) for stage in STAGES)
        if runs_code and not trusted:
            raise UntrustedTemplateError(
                f"Template '{recorded.src}' runs tasks or migrations during an update; review "
                "it, then pass --trust to allow it (nothing was changed)."
            )
        _apply(project, changes, new, base)
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
        replaced_answers=result.replaced_answers,
        message_after=new.message_after,
    )


def _check_project(path: Path, *, pretend: bool, answers_file: str) -> Path:
    project = project_root(path, answers_file=answers_file)
    if not project.is_dir():
        raise UpdateRefusedError(f"'{path}' is not a folder.")
    if not is_repo_root(project):
        raise UpdateRefusedError(
            f"'{project}' is not the root of a git repository; updates need git to be undoable."
        )
    if not pretend and not is_clean(project):
        raise UpdateRefusedError(
            f"Project '{project.name}' has uncommitted changes; commit or stash them, then "
            "update (or preview with --diff)."
        )
    return project


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


def _apply(project: Path, changes: tuple[FileChange, ...], new: Render, base: Render) -> None:
    """Write the changes, then run migrations and tasks, all undone if anything fails."""
    with rollback_on_failure(project) as journal:
        new.run_migrations("before", base, project)
        write_changes(project, changes, journal)
        mark_unmerged(project, changes)
        new.run_migrations("after", base, project)
        if new.has_tasks:
            new.run_tasks(project)


__all__ = ["RecordedAnswers", "UpdateRefusedError", "UpdateResult", "update_project"]
