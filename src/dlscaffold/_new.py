"""`create_project`: render a template into a new folder, link data, commit, move into place.

Everything happens in a staging folder beside the destination, which is renamed into place
only at the end: an error, Ctrl-C or SIGTERM never leaves a half-written project, and the
sources it protected are given their modes back. A staging folder left by a killed `new`
(marked with its process, see `dlscaffold._fs`) is removed by the next `new` beside it.
"""

from __future__ import annotations

import keyword
import shutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from dlscaffold._data.link import LinkedDataset, link_dataset
from dlscaffold._data.modes import MODES_DIR, load_mode_record, undo_protection
from dlscaffold._data.records import records_dir
from dlscaffold._destination import reports_destination_errors
from dlscaffold._engine import rendered
from dlscaffold._example_data import EXAMPLE_DATASET_NAME, ensure_digits
from dlscaffold._fs import (
    drop_staging_marker,
    hide_staging_marker,
    make_marked_staging_dir,
    remove_stale_staging,
)
from dlscaffold._generated.answers import ANSWERS_FILE
from dlscaffold._generated.pristine import remember_render
from dlscaffold._git import commit_all, init_repo, is_repo_root
from dlscaffold._interrupts import holding, interruptible, mark_work_complete, shielded
from dlscaffold._outside_links import check_links
from dlscaffold._templates import install_default_template, is_default_template
from dlscaffold.errors import DestinationError, UntrustedTemplateError


@dataclass(frozen=True)
class NewProject:
    """The result of `create_project`."""

    path: Path
    template_src: str
    template_version: str | None
    answers: dict[str, Any]
    commit: str
    datasets: list[LinkedDataset] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    message_after: str = ""  # the template's `_message_after_copy`, rendered


@interruptible()  # SIGTERM undoes what was done, as Ctrl-C does
@reports_destination_errors
def create_project(
    dest: str | Path,
    *,
    template: str | None = None,
    vcs_ref: str | None = None,
    data: Mapping[str, Any] | None = None,
    defaults: bool = False,
    trust: bool = False,
    links: Mapping[str, str | Path] | None = None,
    example_data: bool = True,
    on_message: Callable[[str], None] | None = None,
) -> NewProject:
    """Generate a project at `dest` from `template` (dlscaffold's own by default).

    Args:
        dest: The folder to create; it must not exist or be empty.
        template: A copier template (local path or git URL); None for the default template.
        vcs_ref: The template version (git tag or commit) to use; the newest by default.
        data: Answers to the template's questions; others are asked or defaulted.
        defaults: Take the default answer for every question not in `data`.
        trust: Allow a non-default template to run its own code (tasks, migrations).
        links: Datasets to link as `data/<name>`: name -> source folder outside the project.
        example_data: Link the digits example dataset into a default-template project.
        on_message: Receives the template's `_message_before_copy` before any question.
    """
    dest_abspath = _check_destination(Path(dest))
    data = dict(data or {})
    src = _template_source(template)
    cleaned = remove_stale_staging(dest_abspath.parent)
    trusted = trust or is_default_template(template)
    made: list[Path] = []  # the staging folder, from the moment it exists
    try:
        staging = make_marked_staging_dir(
            dest_abspath.parent, prefix=f".{dest_abspath.name}.", made=made
        )
        init_repo(staging)
        hide_staging_marker(staging)
        with rendered(
            src=src, dst=staging, vcs_ref=vcs_ref, data=data, defaults=defaults, trust=trusted,
            checked=data, user_defaults=_user_defaults(links),
            fallback_defaults={"project_name": dest_abspath.name}, on_message=on_message,
            project=dest_abspath,
        ) as render:  # fmt: skip
            answers = _read_answers(staging)
            outside_links = check_links(staging, src=src, trusted=trusted)
            remember_render(render, staging, answers)  # the first `dlscaffold check` is fast
            if render.has_tasks:
                if not trusted:
                    raise UntrustedTemplateError(
                        f"Template '{src}' runs its own tasks; review it, then pass --trust to "
                        "allow it."
                    )
                render.run_tasks(staging, "copy")
            # Asked of git while the template clone exists; the commit names it if it can.
            version = None if answers.get("_commit") else render.version
        linked = [
            link_dataset(staging, name, Path(source), final_project=dest_abspath)
            for name, source in _datasets_to_link(template, answers, links, example_data).items()
        ]
        commit = commit_all(
            staging, message=_commit_message(src, answers.get("_commit") or version)
        )
        # The point of no return: the project is complete. An interrupt while it moves into
        # place is dropped (it would only report a half-done change that is not).
        with holding():
            drop_staging_marker(staging)
            _move_into_place(staging, dest_abspath)
            mark_work_complete()
    except BaseException:
        with shielded():  # a second Ctrl-C must not cut the undo short
            for folder in made:
                _unprotect_staged(folder)
                shutil.rmtree(folder, ignore_errors=True)
        raise
    warnings = [*outside_links, *_warnings(src, version)]
    if cleaned:
        warnings.append(
            f"Removed {len(cleaned)} staging {'folder' if len(cleaned) == 1 else 'folders'} "
            f"left by an interrupted 'dlscaffold new': {', '.join(cleaned)}."
        )
    return NewProject(
        dest_abspath, src, version, answers, commit, linked, warnings,
        message_after=render.message_after,
    )  # fmt: skip


def _unprotect_staged(staging: Path) -> None:
    """Give back the modes that linking datasets into `staging` changed (before removing it).

    The records are those `link_dataset` wrote for this staging folder a moment ago; a
    staging folder that is gone already (moved into place) has none.
    """
    folder = records_dir(staging) / MODES_DIR
    if not staging.is_dir() or not folder.is_dir():
        return
    for record_file in sorted(folder.glob("*.json")):
        record = load_mode_record(staging, record_file.stem)
        if record is not None:
            undo_protection(record)


def _check_destination(dest: Path) -> Path:
    dest_abspath = dest.expanduser().absolute()
    if dest_abspath.exists() and not dest_abspath.is_dir():
        raise DestinationError(f"Destination '{dest}' exists and is not a folder.")
    if dest_abspath.is_dir() and any(dest_abspath.iterdir()):
        raise DestinationError(
            f"Destination '{dest}' exists and is not empty; choose a new folder."
        )
    if not dest_abspath.parent.is_dir():
        raise DestinationError(f"Parent folder of '{dest}' does not exist.")
    name = dest_abspath.name
    if not name or keyword.iskeyword(name):
        raise DestinationError(f"'{name}' cannot be a project folder name.")
    return dest_abspath


def _template_source(template: str | None) -> str:
    """Return the source copier records; local paths become absolute (copier issue #335)."""
    if template is None:
        return install_default_template()
    local = Path(template).expanduser()
    if "://" not in template and not template.startswith("git@") and local.exists():
        return str(local.resolve())
    return template


def _user_defaults(links: Mapping[str, str | Path] | None) -> dict[str, Any]:
    """Return the defaults the command line implies.

    The first dataset linked with --link is the one the default config trains on (a
    template without such a question ignores it). The folder name is only a fallback
    default for `project_name` (see `create_project`): a template's own default wins.
    """
    defaults: dict[str, Any] = {}
    if links:
        defaults["dataset_name"] = next(iter(links))
    return defaults


def _warnings(src: str, version: str | None) -> list[str]:
    if version is None and Path(src).is_dir() and not is_repo_root(Path(src)):
        return [
            f"Template '{src}' is not a git repository, so the project records no template "
            "version and `dlscaffold update` cannot update it; use a tagged git repository."
        ]
    return []


def _datasets_to_link(
    template: str | None,
    answers: Mapping[str, Any],
    links: Mapping[str, str | Path] | None,
    example_data: bool,
) -> dict[str, str | Path]:
    """The datasets to link: those given, plus the example when the config trains on it.

    The example is linked under its own name only: a project configured for another dataset
    (`--data dataset_name=shapes`) gets no digits posing as `data/shapes`.
    """
    chosen = dict(links or {})
    dataset_name = answers.get("dataset_name", EXAMPLE_DATASET_NAME)
    wants_example = example_data and dataset_name == EXAMPLE_DATASET_NAME
    if is_default_template(template) and wants_example and dataset_name not in chosen:
        chosen[EXAMPLE_DATASET_NAME] = ensure_digits()
    return chosen


def _read_answers(project: Path) -> dict[str, Any]:
    path = project / ANSWERS_FILE
    if not path.is_file():
        return {}
    loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
    return loaded if isinstance(loaded, dict) else {}


def _commit_message(src: str, version: str | None) -> str:
    origin = "dlscaffold's default template" if is_default_template(src) else src
    return f"Generate project from {origin} {version or ''}".rstrip()


def _move_into_place(staging: Path, dest: Path) -> None:
    """Rename the finished project onto `dest` (rename(2) replaces an empty folder)."""
    try:
        staging.rename(dest)
    except OSError as error:
        raise DestinationError(f"Cannot create '{dest}': {error.strerror}.") from error
