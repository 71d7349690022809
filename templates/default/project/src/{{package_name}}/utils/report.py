"""Print an inspection report as tables on stdout."""

from typing import TYPE_CHECKING

from rich.console import Console
from rich.table import Table

from .console import info, warn

if TYPE_CHECKING:
    from ..inspect_data import InspectionReport


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
