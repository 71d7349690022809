"""TensorBoard logging: scalars per epoch and the run's hyperparameters with final metrics."""

from pathlib import Path
from typing import Any

from torch.utils.tensorboard import SummaryWriter
from torch.utils.tensorboard.summary import hparams

# metric key -> TensorBoard tag
TAGS = {
    "train_loss": "train/loss",
    "train_acc": "train/acc",
    "val_loss": "val/loss",
    "val_acc": "val/acc",
    "lr": "train/lr",
    "throughput": "train/throughput_samples_per_s",
}


class TensorBoardLogger:
    """Writes event files into the run folder."""

    def __init__(self, log_dir: Path) -> None:
        self.writer = SummaryWriter(log_dir=str(log_dir))

    def log_metrics(self, metrics: dict[str, float], step: int) -> None:
        """Log the known metrics under their tags at `step` (the epoch)."""
        for key, tag in TAGS.items():
            if key in metrics:
                self.writer.add_scalar(tag, metrics[key], step)
        self.writer.flush()

    def log_hparams(self, params: dict[str, Any], metrics: dict[str, float]) -> None:
        """Record hyperparameters and final metrics for TensorBoard's HParams tab.

        Written into the run's own event file (unlike `SummaryWriter.add_hparams`, which
        opens a sub-folder), so each run folder is one row.
        """
        clean = {
            k: v if isinstance(v, int | float | str | bool) else str(v) for k, v in params.items()
        }
        final = {f"hparam/{k}": float(v) for k, v in metrics.items()}
        experiment, start, end = hparams(clean, final)
        file_writer = self.writer._get_file_writer()
        for summary in (experiment, start, end):
            file_writer.add_summary(summary)
        for tag, value in final.items():
            self.writer.add_scalar(tag, value)
        self.writer.flush()

    def close(self) -> None:
        """Flush and close the event file."""
        self.writer.close()


def flatten(tree: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """`{"a": {"b": 1}}` -> `{"a.b": 1}`, for hyperparameter tables."""
    flat: dict[str, Any] = {}
    for key, value in tree.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(flatten(value, f"{name}."))
        else:
            flat[name] = value
    return flat
