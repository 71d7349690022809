"""`metrics.csv` in the run folder: one row per epoch, what `runs compare` plots and reads.

Plain text on purpose: readable with a spreadsheet, pandas or `column -ts,`, and without
TensorBoard's event parser.
"""

import csv
import io
from pathlib import Path
from typing import Any

from ...utils.files import atomic_write_text

FILE_NAME = "metrics.csv"
# The columns, in order; metrics the trainer adds later go after them.
COLUMNS = (
    "epoch",
    "train_loss",
    "train_acc",
    "val_loss",
    "val_acc",
    "lr",
    "throughput",
    "best_val_acc",
    "best_val_loss",
)


class CsvLogger:
    """Appends one row per epoch to `<run>/metrics.csv`.

    On a resume (`start_epoch` > 0) rows after the resumed epoch are dropped first: they belong
    to epochs whose checkpoint was never written (the run was killed), and are trained again.
    """

    def __init__(self, run_dir: Path, *, start_epoch: int = 0) -> None:
        self.path = Path(run_dir) / FILE_NAME
        self.columns: list[str] = []
        rows = read_metrics(self.path)
        if rows:
            kept = [row for row in rows if (row.get("epoch") or 0) <= start_epoch]
            self.columns = list(rows[0])
            if len(kept) != len(rows):
                atomic_write_text(self.path, _to_csv(self.columns, kept))

    def log_metrics(self, metrics: dict[str, float], step: int) -> None:
        """Append the epoch's metrics (a new column is added by rewriting the file)."""
        row = {"epoch": step, **{k: v for k, v in metrics.items() if k != "epoch"}}
        new = [key for key in _ordered(row) if key not in self.columns]
        if new or not self.path.exists():
            rows = read_metrics(self.path)
            self.columns = [*self.columns, *new]
            atomic_write_text(self.path, _to_csv(self.columns, [*rows, row]))
            return
        with self.path.open("a", encoding="utf-8", newline="") as file:
            csv.DictWriter(file, self.columns, extrasaction="ignore").writerow(_cells(row))

    def log_hparams(self, params: dict[str, Any], metrics: dict[str, float]) -> None:
        """Nothing to do: the run folder's config.yaml holds the hyperparameters."""

    def close(self) -> None:
        """Nothing to do: every row is written when it is logged."""


def read_metrics(path: Path) -> list[dict[str, float | None]]:
    """The rows of a `metrics.csv` as numbers (empty or unreadable cells are None).

    A missing or unreadable file is no rows: a run folder may come from anywhere.
    """
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return []
    rows = []
    for raw in csv.DictReader(io.StringIO(text)):
        row = {str(key): _number(value) for key, value in raw.items() if key is not None}
        if isinstance(row.get("epoch"), float):
            row["epoch"] = int(row["epoch"])
        rows.append(row)
    return rows


def _ordered(row: dict[str, Any]) -> list[str]:
    known = [key for key in COLUMNS if key in row]
    return known + sorted(key for key in row if key not in COLUMNS)


def _cells(row: dict[str, Any]) -> dict[str, Any]:
    return {key: "" if value is None else value for key, value in row.items()}


def _to_csv(columns: list[str], rows: list[dict[str, Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, columns, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows(_cells(row) for row in rows)
    return buffer.getvalue()


def _number(value: str | None) -> float | None:
    if value in (None, ""):
        return None
    try:
        return float(value)
    except ValueError:
        return None
