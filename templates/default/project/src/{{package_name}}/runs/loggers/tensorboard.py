"""TensorBoard logging: scalars per epoch and the run's hyperparameters with final metrics."""

import threading
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from torch.utils.tensorboard import SummaryWriter

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
        # Importing TensorBoard takes a good part of a second: it happens in a thread while the
        # run builds its model, not before the first step. The first log waits for it.
        self._log_dir = log_dir
        self._writer: SummaryWriter | None = None
        self._opening = threading.Thread(target=self._open, name="tensorboard-open", daemon=True)
        self._opening.start()

    def _open(self) -> None:
        try:
            from torch.utils.tensorboard import SummaryWriter

            self._writer = SummaryWriter(log_dir=str(self._log_dir))
        except BaseException:  # opened again in the caller's thread, which sees the error
            self._writer = None

    @property
    def writer(self) -> "SummaryWriter":
        """The event file writer, once its thread has opened it."""
        self._opening.join()
        if self._writer is None:
            from torch.utils.tensorboard import SummaryWriter

            self._writer = SummaryWriter(log_dir=str(self._log_dir))
        return self._writer

    def log_metrics(self, metrics: dict[str, float], step: int) -> None:
        """Log the known metrics under their tags at `step` (the epoch)."""
        for key, tag in TAGS.items():
            if key in metrics:
                self.writer.add_scalar(tag, metrics[key], step)
        self.writer.flush()

    def log_hparams(self, params: dict[str, Any], metrics: dict[str, float]) -> None:
        """Record hyperparameters and final metrics for TensorBoard's HParams tab.

        `add_hparams` writes into `<log_dir>/<run_name>`; with run_name "." that is the run
        folder itself (a second event file there), so each run folder is one row, not two.
        """
        clean = {
            k: v if isinstance(v, int | float | str | bool) else str(v) for k, v in params.items()
        }
        final = {f"hparam/{k}": float(v) for k, v in metrics.items()}
        self.writer.add_hparams(clean, final, run_name=".")
        self.writer.flush()

    def close(self) -> None:
        """Flush and close the event file."""
        self.writer.close()


def log_evaluation(
    log_dir: Path,
    prefix: str,
    step: int,
    images: Mapping[str, np.ndarray],
    scalars: Mapping[str, float],
    text: str,
) -> None:
    """An evaluation's figures (RGB arrays), numbers and report under `<prefix>/...` at `step`."""
    from torch.utils.tensorboard import SummaryWriter

    with SummaryWriter(log_dir=str(log_dir)) as writer:
        for name, image in images.items():
            writer.add_image(f"{prefix}/{name}", image, global_step=step, dataformats="HWC")
        for name, value in scalars.items():
            writer.add_scalar(f"{prefix}/{name}", value, global_step=step)
        writer.add_text(f"{prefix}/report", text, global_step=step)
