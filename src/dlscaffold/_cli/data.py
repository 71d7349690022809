"""`dlscaffold data`: link, list, verify and unlink the raw datasets of a project."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from dlscaffold import _console
from dlscaffold._cli import _output
from dlscaffold._cli._boundary import error_boundary
from dlscaffold._cli._options import (
    JsonOption,
    LegacyPathArgument,
    ProjectOption,
    complete_dataset,
    project_path,
)
from dlscaffold._interrupts import mark_work_complete

if TYPE_CHECKING:  # only in helpers' annotations: the commands import their API lazily
    from dlscaffold._data.listing import DatasetInfo
    from dlscaffold._data.unlink import UnlinkedDataset
    from dlscaffold._data.verify import DatasetCheck, VerifyReport

app = typer.Typer(
    no_args_is_help=True,
    help="Link raw datasets into data/, protect them and check they never change silently.",
)


@app.command("link")
def link(
    name: Annotated[
        str, typer.Argument(metavar="NAME", help="Plain name: the link becomes data/NAME.")
    ],
    source: Annotated[
        Path, typer.Argument(metavar="SOURCE", help="The dataset folder, outside the project.")
    ],
    path: LegacyPathArgument = None,
    project: ProjectOption = None,
    protect: Annotated[
        bool, typer.Option("--protect/--no-protect", help="Make SOURCE read-only.")
    ] = True,
    record_hashes: Annotated[
        bool, typer.Option("--hash", help="Record content hashes now, for `verify --full`.")
    ] = False,
) -> None:
    """Link SOURCE as data/NAME by a relative symlink, record its manifest and protect it."""
    from dlscaffold._data.link import link_dataset
    from dlscaffold._data.project import find_project

    with error_boundary(), _console.progress_bars() as progress:
        linked = link_dataset(
            find_project(project_path(project, path)), name, source, protect=protect,
            record_hashes=record_hashes, progress=progress,
        )  # fmt: skip
    size = f"{linked.manifest.files:,} files, {format_bytes(linked.manifest.bytes)}"
    _console.success(_console.escape(f"Linked {linked.link_relpath} -> {linked.target} ({size})."))
    if linked.protected:
        _console.info(_console.escape(f"Made {linked.source} read-only (--no-protect skips)."))


@app.command("list")
def list_(
    project: ProjectOption = None,
    as_json: JsonOption = False,
) -> None:
    """Show the project's datasets: target, whether it exists, size, protection, last check."""
    from dlscaffold._data.listing import list_datasets
    from dlscaffold._data.project import find_project

    with error_boundary():
        listing = list_datasets(find_project(project))
    if as_json:
        _output.emit({"datasets": [_info_as_dict(info) for info in listing.datasets]})
    elif not listing.datasets:
        _console.info("No datasets linked; add one with 'dlscaffold data link NAME SOURCE'.")
    else:
        columns = ["name", "target", "exists", "files", "size", "protected", "last verified"]
        _console.print_table(columns, [_info_row(info) for info in listing.datasets])


@app.command("verify")
def verify(
    name: Annotated[
        str | None,
        typer.Argument(
            metavar="NAME", help="One dataset (default: all).", autocompletion=complete_dataset
        ),
    ] = None,
    full: Annotated[
        bool, typer.Option("--full", help="Compare content hashes, not sizes and mtimes.")
    ] = False,
    accept: Annotated[
        bool, typer.Option("--accept", help="Record the current state as the reference.")
    ] = False,
    project: ProjectOption = None,
    as_json: JsonOption = False,
) -> None:
    """Report files added, removed or changed since linking; exit 7 if any differ."""
    from dlscaffold._data.project import find_project
    from dlscaffold._data.verify import EXIT_DATA_CHANGED, verify_datasets

    with error_boundary(), _console.progress_bars() as progress:
        report = verify_datasets(
            find_project(project), name, full=full, accept=accept, progress=progress
        )
    for check in report.datasets:
        _render_check(check, report.mode)
    never = [check for check in report.datasets if not check.inspected]
    if never and report.ok:  # differences come first; this hint would only bury them
        commands = ", ".join(f"{check.name} ('{check.inspect_command}')" for check in never)
        _console.info(
            _console.escape(f"Never inspected: {commands}; look at samples and class balance ")
            + "before training."
        )
    if not report.datasets:
        _console.info("No datasets linked; nothing to verify.")
    exit_code = 0 if report.ok else EXIT_DATA_CHANGED
    if as_json:
        _output.emit(_verify_as_dict(report), exit_code=exit_code)
    raise typer.Exit(exit_code)


@app.command("unlink")
def unlink(
    name: Annotated[
        str,
        typer.Argument(
            metavar="NAME", help="The dataset to unlink.", autocompletion=complete_dataset
        ),
    ],
    unprotect: Annotated[
        bool,
        typer.Option("--unprotect", help="Undo the protection: give back the modes it changed."),
    ] = False,
    project: ProjectOption = None,
) -> None:
    """Remove data/NAME and its registry entry; the source folder is never deleted."""
    from dlscaffold._data.project import find_project
    from dlscaffold._data.unlink import unlink_dataset

    with error_boundary():
        result = unlink_dataset(find_project(project), name, unprotect=unprotect)
    mark_work_complete()
    kept = f"; the source {result.source} is kept" if result.source else ""
    _console.success(_console.escape(f"Unlinked data/{result.name}{kept}."))
    if unprotect:
        _report_unprotect(result)
    elif result.still_protected:
        _console.info("It stays read-only; 'unlink --unprotect' would give write access back.")


def _report_unprotect(result: UnlinkedDataset) -> None:
    """Say which modes `unlink --unprotect` gave back, and which it left alone."""
    if result.restored:
        _console.info(
            f"Gave back the modes protection changed ({result.restored:,} "
            f"{'path' if result.restored == 1 else 'paths'})."
        )
    else:
        _console.info("Protection changed no modes when it was linked; nothing to give back.")
    if result.left:
        shown = ", ".join(result.left[:3]) + (", ..." if len(result.left) > 3 else "")
        _console.warning(
            _console.escape(
                f"Left {len(result.left):,} paths whose modes changed since it was linked: {shown}."
            )
        )
    if result.restored and result.shared:
        _console.warning(
            _console.escape(
                f"{result.source} is dlscaffold's shared example dataset: other projects may "
                f"link it, and it is writable now; make it read-only again with "
                f"'chmod -R a-w {result.source}'."
            )
        )


def _render_check(check: DatasetCheck, mode: str) -> None:
    """Say how one dataset compares; the differing paths go to stdout, one per line."""
    name = check.name
    if check.status == "missing":
        _console.warning(f"{name}: {check.detail}")
        return
    for sign, paths in (("+", check.added), ("-", check.removed), ("~", check.changed)):
        for relpath in paths:
            _console.print_text(f"{sign} {name}/{relpath}")
    counts = f"{len(check.added)} added, {len(check.removed)} removed, {len(check.changed)} changed"
    if check.status == "changed":
        summary = counts if check.per_file else (check.detail or "")
        _console.warning(f"{name} differs from its record ({mode} mode): {summary}")
    elif check.status == "accepted":
        _console.success(
            _console.escape(f"{name}: recorded the current state as the reference ({counts}).")
        )
    else:
        files = check.current.files if check.current else 0
        _console.success(_console.escape(f"{name}: unchanged, {files:,} files ({mode} mode)."))
    if check.hashes_recorded:
        _console.info(_console.escape(f"{name}: content hashes recorded for later --full runs."))
    if check.outside_links:
        count = len(check.outside_links)
        shown = ", ".join(check.outside_links[:3]) + (", ..." if count > 3 else "")
        _console.warning(
            _console.escape(
                f"{name}: {count} {'link leads' if count == 1 else 'links lead'} out of the "
                f"dataset and {'is' if count == 1 else 'are'} not part of it: {shown}."
            )
        )


def _verify_as_dict(report: VerifyReport) -> dict[str, object]:
    datasets = [
        {
            "name": check.name,
            "status": check.status,
            "detail": check.detail,
            "added": list(check.added),
            "removed": list(check.removed),
            "changed": list(check.changed),
            "files": check.current.files if check.current else None,
            "inspected": check.inspected,
            "outside_links": list(check.outside_links),
        }
        for check in report.datasets
    ]
    return {"mode": report.mode, "ok": report.ok, "datasets": datasets}


def _info_row(info: DatasetInfo) -> list[str]:
    manifest = info.manifest
    return [
        info.name,
        info.target or "-",
        "yes" if info.exists else "no",
        f"{manifest.files:,}" if manifest else "-",
        format_bytes(manifest.bytes) if manifest else "-",
        {True: "yes", False: "no", None: "-"}[info.protected],
        _short_time(info.verified_at) or ("never" if info.registered else "not registered"),
    ]


def _short_time(iso: str | None) -> str | None:
    """Return `2026-11-28 07:30 UTC` for the registry's `2026-11-28T07:30:00+00:00`."""
    if not iso:
        return None
    try:
        moment = datetime.fromisoformat(iso).astimezone(UTC)
    except ValueError:
        return iso
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def _info_as_dict(info: DatasetInfo) -> dict[str, object]:
    row = asdict(info)
    row["manifest"] = info.manifest.as_dict() if info.manifest else None
    return row


def format_bytes(size: int) -> str:
    """Return `size` in the largest unit that keeps it at or above 1 (1024-based)."""
    value = float(size)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if value < 1024 or unit == "TiB":
            return f"{size} B" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    raise AssertionError("unreachable")
