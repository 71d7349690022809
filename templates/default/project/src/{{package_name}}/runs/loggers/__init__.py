"""Where a run's metrics go: `metrics.csv` always, plus the loggers the config's `logger:` lists.

Each logger has `log_metrics(metrics, step)`, `log_hparams(params, final_metrics)` and
`close()`; `Loggers` fans each call out to all of them. Add a tracker by writing one class
with these three methods and naming it in `build_loggers`.
"""

from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

from .csv_log import CsvLogger


class Logger(Protocol):
    def log_metrics(self, metrics: dict[str, float], step: int) -> None: ...
    def log_hparams(self, params: dict[str, Any], metrics: dict[str, float]) -> None: ...
    def close(self) -> None: ...


class Loggers:
    """Several loggers used as one; closing closes each even if another fails."""

    def __init__(self, loggers: Sequence[Logger]) -> None:
        self.loggers = list(loggers)

    def log_metrics(self, metrics: dict[str, float], step: int) -> None:
        for logger in self.loggers:
            logger.log_metrics(metrics, step)

    def log_hparams(self, params: dict[str, Any], metrics: dict[str, float]) -> None:
        for logger in self.loggers:
            logger.log_hparams(params, metrics)

    def close(self) -> None:
        errors = []
        for logger in self.loggers:
            try:
                logger.close()
            except Exception as err:  # close the others, then report
                errors.append(err)
        if errors:
            raise errors[0]


def build_loggers(names: Sequence[str], run_dir: Path, *, start_epoch: int = 0) -> Loggers:
    """`metrics.csv` plus the named loggers (validated by the config: see validate.LOGGERS)."""
    loggers: list[Logger] = [CsvLogger(run_dir, start_epoch=start_epoch)]
    if "tensorboard" in names:
        from .tensorboard import TensorBoardLogger  # imports TensorBoard: only when asked

        loggers.append(TensorBoardLogger(run_dir))
    return Loggers(loggers)


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
