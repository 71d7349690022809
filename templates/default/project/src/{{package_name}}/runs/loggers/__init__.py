"""Where a run's metrics go: `metrics.csv` always, plus the loggers the config's `logger:` lists.

Each logger has `log_metrics(metrics, step)`, `log_hparams(params, final_metrics)` and
`close()`; `Loggers` fans each call out to all of them. Add a tracker by writing one class
with these three methods and naming it in `build_loggers`.
"""

import importlib.util
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol

from ...errors import ProjectError
from .csv_log import CsvLogger

# logger name -> (module it imports, the project extra that installs it)
PACKAGES = {"mlflow": ("mlflow", "mlflow")}


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


def require_packages(names: Sequence[str]) -> None:
    """Fail in one line, before any run folder exists, if a named logger is not installed."""
    for name in names:
        module, extra = PACKAGES.get(name, (None, None))
        if module is not None and importlib.util.find_spec(module) is None:
            raise ProjectError(
                f"logger '{name}' needs the {module} package: pip install -e '.[{extra}]'"
            )


def build_loggers(
    names: Sequence[str],
    run_dir: Path,
    *,
    start_epoch: int = 0,
    config: Mapping[str, Any] | None = None,
    snapshot_dir: Path | None = None,
) -> Loggers:
    """`metrics.csv` plus the named loggers (validated by the config: see validate.LOGGERS).

    `config` (the resolved config as a dict) and `snapshot_dir` (where this start's snapshot
    was written: the run folder, or a resume's `resume-N/`) feed trackers that record them.
    """
    built = Loggers([CsvLogger(run_dir, start_epoch=start_epoch)])
    try:
        if "tensorboard" in names:
            from .tensorboard import TensorBoardLogger  # imports TensorBoard: only when asked

            built.loggers.append(TensorBoardLogger(run_dir))
        if "mlflow" in names:
            require_packages(["mlflow"])
            from .mlflow_log import MlflowLogger  # imports MLflow: only when asked

            built.loggers.append(
                MlflowLogger(run_dir, config=config or {}, snapshot_dir=snapshot_dir)
            )
    except BaseException:
        built.close()  # e.g. an unreachable tracking server: close the ones already open
        raise
    return built


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
