"""MLflow logging (`logger: [tensorboard, mlflow]`): one MLflow run per run folder.

What it records: the metrics of each epoch (step = epoch, as in metrics.csv), the flattened
config as params, tags (run folder, git commit, sweep and trial when the run has them) and the
run's snapshot files as artifacts. A resume continues the same MLflow run: its id is kept in
`<run>/mlflow.json`.

Where: `mlflow.tracking_uri` in the config, else `$MLFLOW_TRACKING_URI`, else the file store
`mlruns/` in the project root (where training starts). The file store needs no server or
database and works offline; MLflow 3 keeps it in maintenance mode and refuses it unless
`MLFLOW_ALLOW_FILE_STORE=true`, which this logger sets for its own process when the URI is a
file store (unless you set it yourself). For a team use a tracking server (`http://...`).
"""

import json
import os
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from mlflow.entities import Metric, Param, RunStatus, RunTag
from mlflow.exceptions import MlflowException
from mlflow.tracking import MlflowClient

from ...utils.console import warn
from ...utils.files import atomic_write_text
from . import flatten

RECORD = "mlflow.json"  # in the run folder: which MLflow run it logs to
DEFAULT_TRACKING_URI = "file:mlruns"  # relative to the working directory: the project root
SNAPSHOT_FILES = ("config.yaml", "snapshot.json", "command.txt", "git.patch", "packages.txt")
FINAL_FILES = ("metrics.csv", "status.json")  # uploaded when the run ends
# status.json state -> MLflow run status
END_STATUS = {"finished": "FINISHED", "interrupted": "KILLED"}
MAX_PARAM_LENGTH = 6000  # MLflow's limit on a param value (since 2.x)
BATCH = 100  # params per log_batch call (MLflow's limit)


def tracking_uri(configured: str | None) -> str:
    """The config's URI, else $MLFLOW_TRACKING_URI, else the local `mlruns/` file store.

    A relative file store becomes absolute (from the working directory, the project root):
    MLflow caches one store per URI string, so `file:mlruns` would stay bound to the folder
    of the first run in a process that trains several times.
    """
    uri = configured or os.environ.get("MLFLOW_TRACKING_URI") or DEFAULT_TRACKING_URI
    if not is_file_store(uri):
        return uri
    parsed = urlparse(uri)
    path = Path(parsed.path if parsed.scheme == "file" else uri)
    return uri if path.is_absolute() else path.resolve().as_uri()


def is_file_store(uri: str) -> bool:
    """A `file:` URI or a plain path (what MLflow reads as a file store)."""
    scheme = urlparse(uri).scheme
    return scheme in ("", "file") or len(scheme) == 1  # a Windows drive letter is no scheme


class MlflowLogger:
    """Logs to one MLflow run; made by `build_loggers` on the main process only."""

    def __init__(
        self,
        run_dir: Path,
        *,
        config: Mapping[str, Any],
        snapshot_dir: Path | None = None,
    ) -> None:
        self.run_dir = Path(run_dir)
        settings = config.get("mlflow") or {}
        self.tracking_uri = tracking_uri(settings.get("tracking_uri"))
        if is_file_store(self.tracking_uri):
            os.environ.setdefault("MLFLOW_ALLOW_FILE_STORE", "true")
        self.client = MlflowClient(tracking_uri=self.tracking_uri)
        self.run_id = self._previous_run() or self._new_run(settings.get("experiment"))
        record = {"run_id": self.run_id, "tracking_uri": self.tracking_uri}
        atomic_write_text(self.run_dir / RECORD, json.dumps(record, indent=2) + "\n")
        self._log_params(flatten(dict(config)))
        tags = self._tags(snapshot_dir or self.run_dir)
        self.client.log_batch(self.run_id, tags=[RunTag(k, v) for k, v in tags.items()])
        self._log_files(snapshot_dir or self.run_dir, SNAPSHOT_FILES)

    def log_metrics(self, metrics: dict[str, float], step: int) -> None:
        """The epoch's numeric metrics at `step` (the epoch)."""
        now = int(time.time() * 1000)
        batch = [
            Metric(key, float(value), now, step)
            for key, value in metrics.items()
            if key != "epoch" and isinstance(value, int | float) and not isinstance(value, bool)
        ]
        if batch:
            self.client.log_batch(self.run_id, metrics=batch)

    def log_hparams(self, params: dict[str, Any], metrics: dict[str, float]) -> None:
        """Params not logged yet (the config's were at the start); metrics are logged per epoch."""
        self._log_params(params)

    def close(self) -> None:
        """Upload metrics.csv and status.json, and end the MLflow run as status.json says."""
        self._log_files(self.run_dir, FINAL_FILES)
        state = _read_json(self.run_dir / "status.json").get("state")
        status = END_STATUS.get(str(state), "FAILED")
        self.client.set_terminated(self.run_id, status=status)

    # ---------------------------------------------------------------- helpers
    def _previous_run(self) -> str | None:
        """The MLflow run this run folder logged to before (a resume), if the store has it."""
        run_id = _read_json(self.run_dir / RECORD).get("run_id")
        if not isinstance(run_id, str):
            return None
        try:
            self.client.get_run(run_id)
        except MlflowException:
            warn(
                f"MLflow run {run_id} of {self.run_dir.name} is not in {self.tracking_uri}: "
                "the resumed epochs go to a new MLflow run"
            )
            return None
        self.client.update_run(run_id, status=RunStatus.to_string(RunStatus.RUNNING))
        return run_id

    def _new_run(self, experiment: str | None) -> str:
        name = experiment or os.environ.get("MLFLOW_EXPERIMENT_NAME") or _package()
        found = self.client.get_experiment_by_name(name)
        if found is not None:
            experiment_id = found.experiment_id
        else:
            try:
                experiment_id = self.client.create_experiment(name)
            except MlflowException:  # another worker of a sweep created it just now
                found = self.client.get_experiment_by_name(name)
                if found is None:
                    raise
                experiment_id = found.experiment_id
        run = self.client.create_run(experiment_id, run_name=self.run_dir.name)
        return run.info.run_id

    def _log_params(self, params: Mapping[str, Any]) -> None:
        """Log new params; a value changed since (a resume's override) becomes a tag."""
        logged = self.client.get_run(self.run_id).data.params
        new: list[Param] = []
        for key, value in params.items():
            text = str(value)[:MAX_PARAM_LENGTH]
            if key not in logged:
                new.append(Param(key, text))
            elif logged[key] != text:
                self.client.set_tag(self.run_id, f"resumed_with.{key}", text)
        for start in range(0, len(new), BATCH):
            self.client.log_batch(self.run_id, params=new[start : start + BATCH])

    def _tags(self, snapshot_dir: Path) -> dict[str, str]:
        snapshot = _read_json(snapshot_dir / "snapshot.json")
        git = snapshot.get("git") if isinstance(snapshot.get("git"), dict) else {}
        tags = {"run_folder": self.run_dir.name}
        if git.get("commit"):
            tags["mlflow.source.git.commit"] = str(git["commit"])
            tags["git_dirty"] = str(bool(git.get("dirty")))
        if snapshot_dir != self.run_dir:
            tags["resumed"] = snapshot_dir.name  # resume-N: its snapshot is under that folder
        status = _read_json(self.run_dir / "status.json")
        for key in ("sweep", "trial"):
            value = status.get(key)
            if isinstance(value, dict):
                tags.update({k: str(v) for k, v in flatten(value, f"{key}.").items()})
            elif value is not None:
                tags[key] = str(value)
        return tags

    def _log_files(self, folder: Path, names: tuple[str, ...]) -> None:
        """Upload the files that exist, under `resume-N/` for a resume's own snapshot."""
        where = folder.name if folder != self.run_dir else None
        for name in names:
            if (folder / name).is_file():
                self.client.log_artifact(self.run_id, str(folder / name), artifact_path=where)


def _read_json(path: Path) -> dict[str, Any]:
    """A JSON object from the run folder, {} if missing or unreadable (a folder may be edited)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _package() -> str:
    """The project's package name: the default experiment."""
    return (__package__ or "project").split(".")[0]
