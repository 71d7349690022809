"""Print reports as tables on stdout: an inspection, predictions, the list of runs."""

from collections.abc import Sequence
from typing import TYPE_CHECKING

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from ..utils.console import info, warn

if TYPE_CHECKING:
    from ..infer import Prediction
    from ..inspect_data import InspectionReport
    from .folders import RunInfo


def print_inspection(report: "InspectionReport") -> None:
    """Counts per class and split, image sizes and modes, unreadable files."""
    splits = (report.train_counts, report.val_counts, report.test_counts)
    images = sum(sum(counts.values()) for counts in splits)
    table = Table(title=f"{images} images ({report.manifest.bytes:,} bytes in the dataset folder)")
    for column in ("class", "train", "val", "test", "total"):
        table.add_column(column, justify="left" if column == "class" else "right")
    for name in report.classes:
        row = [counts[name] for counts in splits]
        table.add_row(name, *map(str, row), str(sum(row)))
    totals = [sum(counts.values()) for counts in splits]
    table.add_row("all", *map(str, totals), str(sum(totals)), style="bold")
    console = Console()
    console.print(table)
    console.print("image sizes: " + ", ".join(f"{k} ({v})" for k, v in report.sizes.most_common()))
    console.print("image modes: " + ", ".join(f"{k} ({v})" for k, v in report.modes.most_common()))
    if report.corrupt:
        warn(
            f"{len(report.corrupt)} unreadable file(s), inspection not recorded: "
            + ", ".join(report.corrupt[:5])
        )
    info(f"plots and summary.json: {report.run_dir}")


def print_predictions(predictions: Sequence["Prediction"]) -> None:
    """`infer` results as a table with a header (for a terminal; pipes get plain text)."""
    table = Table(box=None)
    table.add_column("path", overflow="fold")
    table.add_column("label")
    table.add_column("probability", justify="right")
    for p in predictions:
        table.add_row(escape(p.path), escape(p.label), f"{p.probability:.4f}")
    Console().print(table)


def print_runs(runs: Sequence["RunInfo"]) -> None:
    """One row per run, newest first: state (a killed run reads `crashed`), epoch, metrics."""
    if not runs:
        info("no runs yet: train one with `train`")
        return
    table = Table(box=None)
    for column in ("run", "state", "epoch", "val_acc", "val_loss"):
        table.add_column(column, justify="left" if column in {"run", "state"} else "right")
    for run in runs:
        state = f"{run.state} (debug)" if run.debug else run.state
        table.add_row(
            escape(run.path.name),
            state,
            "" if run.epoch is None else str(run.epoch),
            _number(run.metrics.get("val_acc")),
            _number(run.metrics.get("val_loss")),
        )
    Console().print(table)


def _number(value: object) -> str:
    return f"{value:.4f}" if isinstance(value, int | float) else ""
