"""Sweeps on Optuna: many runs of `train(cfg)`, each a normal run with its own run folder.

A sweep lives in `logs/sweeps/<time>_<name>/`: `sweep.yaml` (the sweep file as started),
`sweep.json` (its record: study, storage, trial total, state), `study.db` (the Optuna study,
unless `--storage` names another) and, at the end, `summary.md`, `trials.csv` and plots.

Workers (local processes, or commands on other hosts sharing one `--storage`) take trials from
the study until the total of ended trials reaches `trials`. A trial left running by a killed
worker on this host is marked failed and its parameters are queued again, so re-running the
same command continues the sweep to its total. Optuna is imported only here, only when used.
"""

import contextlib
import hashlib
import json
import os
import subprocess
import sys
import traceback
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from ..config import load_config
from ..errors import ProjectError, one_line
from ..runs.folders import create_run_dir
from ..utils.console import info, warn
from ..utils.files import atomic_write_text, host_name, pid_alive
from .sweep_file import SweepFileError, SweepSpec, override_value, read_sweep_file

SWEEPS = "sweeps"  # below paths.logs
RECORD = "sweep.json"
SWEEP_COPY = "sweep.yaml"
MISSING_OPTUNA = "sweeps need Optuna, which is not installed: pip install -e '.[sweep]'"
PRUNER_CLASSES = {
    "median": "MedianPruner",
    "percentile": "PercentilePruner",
    "successive_halving": "SuccessiveHalvingPruner",
    "hyperband": "HyperbandPruner",
    "threshold": "ThresholdPruner",
    "none": "NopPruner",
}
SQLITE_TIMEOUT_S = 60  # workers writing to one study.db wait for each other's writes


class PrunedRun(Exception):
    """Raised from the per-epoch hook: the run stops cleanly and its status reads `pruned`."""

    run_state = "pruned"  # what runs/folders.track_status records instead of `failed`


@dataclass(frozen=True)
class SweepResult:
    """Where a sweep lives and how its trials ended."""

    sweep_dir: Path
    finished: bool
    complete: int
    failed: int
    running: int  # trials other workers sharing the study still run


def require_optuna() -> Any:
    """The optuna module, or the one-line error naming the extra to install."""
    try:
        import optuna
    except ImportError:
        raise SweepFileError(MISSING_OPTUNA) from None
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    return optuna


def check_sweep(spec: SweepSpec) -> None:
    """What can fail before a sweep starts and needs Optuna: is it installed, the pruner."""
    make_pruner(require_optuna(), spec.pruner)


# ------------------------------------------------------------------------ the command
def run_sweep(
    spec: SweepSpec,
    source: str,
    *,
    cli_overrides: Sequence[str] = (),
    logs_dir: Path,
    trials: int | None = None,
    workers: int = 1,
    storage: str | None = None,
    resume: Path | None = None,
) -> SweepResult:
    """Start (or continue) the sweep, run `workers` workers (this process and `workers - 1`
    more), then summarise it."""
    optuna = require_optuna()
    if workers < 1:
        raise SweepFileError(f"--workers must be >= 1, got {workers}")
    make_pruner(optuna, spec.pruner)  # a bad pruner argument fails before any folder exists
    if storage is not None:
        make_storage(optuna, storage, logs_dir)  # so does a storage that cannot be opened
    sweep_dir = open_sweep_dir(
        spec,
        source,
        cli_overrides=cli_overrides,
        logs_dir=logs_dir,
        trials=trials,
        storage=storage,
        resume=resume,
    )
    record = read_record(sweep_dir)
    study = open_study(optuna, spec, record, sweep_dir)  # created once, before the workers
    info(f"sweep {record['study']}: {record['trials']} trials, folder {sweep_dir}")
    if workers == 1:
        _take_trials(optuna, study, spec, record, sweep_dir, quiet=False)
    else:
        with _worker_processes(sweep_dir, workers - 1):  # this process is the first worker
            import torch

            torch.set_num_threads(1)  # N workers on N cores: no oversubscription
            _take_trials(optuna, study, spec, record, sweep_dir, quiet=True)
    from .sweep_report import write_summary

    summary = write_summary(study, spec, sweep_dir)
    finished = summary.ended >= record["trials"]
    if finished:
        write_record(sweep_dir, record | {"state": "finished"})
    return SweepResult(sweep_dir, finished, summary.complete, summary.failed, summary.running)


def open_sweep_dir(
    spec: SweepSpec,
    source: str,
    *,
    cli_overrides: Sequence[str],
    logs_dir: Path,
    trials: int | None,
    storage: str | None,
    resume: Path | None,
) -> Path:
    """`resume`, else the newest unfinished sweep of this file and storage, else a new folder."""
    key = hashlib.sha256("\n".join([source, *spec.overrides]).encode()).hexdigest()
    if trials is not None and spec.grid and trials > spec.grid_size:
        info(f"--trials {trials}: the grid has {spec.grid_size} points, running those")
        trials = spec.grid_size
    sweeps = logs_dir / SWEEPS
    sweeps.mkdir(parents=True, exist_ok=True)
    # Workers started together (a Slurm job array) must all find the folder the first makes.
    with _lock(sweeps / ".open.lock"):
        return _find_or_make_sweep_dir(
            spec, source, sweeps, key=key, cli_overrides=cli_overrides, trials=trials,
            storage=storage, resume=resume,
        )  # fmt: skip


def _find_or_make_sweep_dir(
    spec: SweepSpec,
    source: str,
    sweeps: Path,
    *,
    key: str,
    cli_overrides: Sequence[str],
    trials: int | None,
    storage: str | None,
    resume: Path | None,
) -> Path:
    found = resume or _unfinished_sweep(sweeps, spec.name, key, storage)
    if found is not None:
        record = read_record(found)
        if trials is not None and trials != record["trials"]:
            record["trials"] = trials
            write_record(found, record)
        info(f"continuing sweep {found}")
        return found
    sweep_dir = create_run_dir(sweeps, spec.name)
    (sweep_dir / SWEEP_COPY).write_text(source, encoding="utf-8")
    record = {
        "name": spec.name,
        "study": spec.name if storage else sweep_dir.name,
        "storage": storage,
        "trials": trials or spec.trials,
        "overrides": list(cli_overrides),  # from the command line, after the file's
        "key": key,
        "state": "running",
        "created_at": datetime.now().astimezone().isoformat(timespec="seconds"),
        "host": host_name(),
    }
    write_record(sweep_dir, record)
    return sweep_dir


def _unfinished_sweep(sweeps: Path, name: str, key: str, storage: str | None) -> Path | None:
    if not sweeps.is_dir():
        return None
    for folder in sorted(sweeps.iterdir(), key=lambda p: p.name, reverse=True):
        record = _record_or_none(folder)
        if (
            record is not None
            and record["name"] == name
            and record["key"] == key
            and record["storage"] == storage
            and record["state"] != "finished"
        ):
            return folder
    return None


def read_record(sweep_dir: Path) -> dict[str, Any]:
    """`sweep.json` of a sweep folder, checked (it is read back from disk: trust nothing)."""
    record = _record_or_none(sweep_dir)
    if record is None:
        raise SweepFileError(f"{sweep_dir} is no sweep folder (no readable {RECORD})")
    return record


def _record_or_none(sweep_dir: Path) -> dict[str, Any] | None:
    try:
        record = json.loads((sweep_dir / RECORD).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    types = {"name": str, "study": str, "trials": int, "overrides": list, "key": str, "state": str}
    if not isinstance(record, dict) or not all(
        isinstance(record.get(k), t) for k, t in types.items()
    ):
        return None
    if not (record.get("storage") is None or isinstance(record["storage"], str)):
        return None
    return record


def write_record(sweep_dir: Path, record: dict[str, Any]) -> None:
    atomic_write_text(sweep_dir / RECORD, json.dumps(record, indent=2) + "\n")


# ------------------------------------------------------------------------ the study
def open_study(
    optuna: Any, spec: SweepSpec, record: dict[str, Any], sweep_dir: Path, *, worker: int = 0
) -> Any:
    """Create or load the study the record names, with the file's sampler and pruner."""
    storage = make_storage(optuna, record["storage"], sweep_dir)
    try:
        study = optuna.create_study(
            storage=storage,
            study_name=record["study"],
            direction=spec.direction,
            pruner=make_pruner(optuna, spec.pruner),
            load_if_exists=True,
        )
    except (optuna.exceptions.OptunaError, OSError, ValueError) as err:
        raise SweepFileError(f"cannot open study {record['study']}: {one_line(err)}") from None
    study.sampler = make_sampler(optuna, spec, offset=1000 * len(study.trials) + worker)
    return study


def make_storage(optuna: Any, url: str | None, sweep_dir: Path) -> Any:
    """An RDB URL (`sqlite:///...`, `postgresql://...`) or a journal file path; default
    `<sweep>/study.db`."""
    if url is None:
        url = f"sqlite:///{(sweep_dir / 'study.db').resolve().as_posix()}"
    try:
        if "://" in url:
            engine = (
                {"connect_args": {"timeout": SQLITE_TIMEOUT_S}} if url.startswith("sqlite") else {}
            )
            return optuna.storages.RDBStorage(url, engine_kwargs=engine)
        path = Path(url)
        if not path.parent.is_dir():
            raise SweepFileError(f"--storage {url}: folder {path.parent} not found")
        backend = optuna.storages.journal.JournalFileBackend(str(path))
        return optuna.storages.JournalStorage(backend)
    except SweepFileError:
        raise
    except Exception as err:  # bad URL, missing database driver, unreachable server
        shown = url.split("@")[-1]  # never print a password from user:password@host
        raise SweepFileError(f"cannot open the study storage {shown}: {one_line(err)}") from None


def make_sampler(optuna: Any, spec: SweepSpec, *, offset: int = 0) -> Any:
    """TPE, random or grid. `offset` (from the worker and the trials done) varies the seed of
    TPE/random, else every worker and every continuation would suggest the same first trials;
    the grid's order is the same in every worker."""
    if spec.grid:
        return _grid_sampler(optuna)(spec.grid, seed=spec.seed)
    seed = None if spec.seed is None else spec.seed + offset
    if spec.sampler == "random":
        return optuna.samplers.RandomSampler(seed=seed)
    return optuna.samplers.TPESampler(seed=seed)


def _grid_sampler(optuna: Any) -> type:
    """Optuna's GridSampler, minus its `study.stop()` when the grid is done: that works only
    inside `study.optimize`, and the workers here count the trials themselves."""

    class GridSampler(optuna.samplers.GridSampler):
        def after_trial(self, *args: Any, **kwargs: Any) -> None:
            pass

    return GridSampler


def make_pruner(optuna: Any, pruner: dict[str, Any]) -> Any:
    """The named Optuna pruner; the other keys of `pruner:` are its arguments."""
    name = pruner["name"]
    kwargs = {k: v for k, v in pruner.items() if k != "name"}
    try:
        return getattr(optuna.pruners, PRUNER_CLASSES[name])(**kwargs)
    except (TypeError, ValueError) as err:
        raise SweepFileError(f"pruner {name}: {one_line(err)}") from None


# ------------------------------------------------------------------------ workers
def run_worker(sweep_dir: Path, *, worker: int = 0) -> None:
    """Take trials from the sweep's study until the total is reached (one process).

    Worker `worker` > 0 is one of several processes: one torch thread, no progress bars.
    """
    optuna = require_optuna()
    record = read_record(sweep_dir)
    spec = read_sweep_file(
        sweep_dir / SWEEP_COPY, record["overrides"], default_name=record["name"], check=False
    )
    study = open_study(optuna, spec, record, sweep_dir, worker=worker)
    if worker > 0:
        import torch

        torch.set_num_threads(1)  # N workers on N cores: no oversubscription
    _take_trials(optuna, study, spec, record, sweep_dir, quiet=worker > 0)


def _take_trials(
    optuna: Any,
    study: Any,
    spec: SweepSpec,
    record: dict[str, Any],
    sweep_dir: Path,
    *,
    quiet: bool,
) -> None:
    parent = os.getppid()
    while os.getppid() == parent:  # a worker whose command was killed stops taking trials
        with _lock(sweep_dir / ".workers.lock"):
            retry_dead_trials(optuna, study, spec)
            if count_trials(optuna, study.get_trials(deepcopy=False)) >= record["trials"]:
                return
            trial = study.ask()
            values = suggest(trial, spec)
            trial.set_user_attr("host", host_name())
            trial.set_user_attr("pid", os.getpid())
        run_trial(optuna, study, trial, spec, values, sweep_dir, quiet=quiet)


@contextlib.contextmanager
def _worker_processes(sweep_dir: Path, count: int) -> Iterator[None]:
    """`python -m <package> sweep --resume DIR --worker I` for I = 1..count, running while
    the block runs (the command's own worker); waits for all of them at the end."""
    command = [sys.executable, "-m", _package(), "sweep", "--resume", str(sweep_dir), "--worker"]
    env = {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    processes = [subprocess.Popen([*command, str(i + 1)], env=env) for i in range(count)]
    try:
        yield
        codes = [p.wait() for p in processes]
    except KeyboardInterrupt:  # Ctrl-C reached the workers too: let them record it, then stop
        for p in processes:
            with contextlib.suppress(KeyboardInterrupt, subprocess.TimeoutExpired):
                p.wait(timeout=30)
        raise
    for index, code in enumerate(codes):
        if code != 0:
            warn(f"worker process {index + 1} of {count} exited with code {code}")


def _package() -> str:
    return (__package__ or "").rpartition(".")[0]


@contextlib.contextmanager
def _lock(path: Path) -> Iterator[None]:
    """Hold the lock file `path` (workers count and start trials one at a time, so the total is
    never exceeded; they open the sweep folder one at a time, so they share one)."""
    try:
        import fcntl
    except ImportError:  # Windows: no lock; at most one surplus trial per extra worker
        yield
        return
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def count_trials(optuna: Any, trials: Sequence[Any]) -> int:
    """Trials that count towards the total: ended (complete, pruned, failed with an error of
    their own) or running. A trial failed because its worker was killed does not count."""
    state = optuna.trial.TrialState
    return sum(
        t.state in (state.COMPLETE, state.PRUNED, state.RUNNING)
        or (t.state == state.FAIL and "error" in t.user_attrs)
        for t in trials
    )


def retry_dead_trials(optuna: Any, study: Any, spec: SweepSpec) -> None:
    """Fail the running trials of dead workers on this host and queue their parameters again.

    Trials running on other hosts cannot be checked from here and are left alone.
    """
    running = study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.RUNNING,))
    for trial in running:
        host, pid = trial.user_attrs.get("host"), trial.user_attrs.get("pid")
        if host != host_name() or not isinstance(pid, int) or pid_alive(pid):
            continue
        study.tell(trial.number, state=optuna.trial.TrialState.FAIL, skip_if_finished=True)
        dims = spec.grid.keys() if spec.grid else [p.name for p in spec.params]
        if set(trial.params) == set(dims):
            study.enqueue_trial(trial.params, user_attrs={"retry_of": trial.number})
        info(f"trial {trial.number} was left running by a killed worker: marked failed, retried")


def suggest(trial: Any, spec: SweepSpec) -> dict[str, Any]:
    """Sample every parameter of the search space for `trial`."""
    if spec.grid:
        return {k: trial.suggest_categorical(k, v) for k, v in spec.grid.items()}
    values: dict[str, Any] = {}
    for p in spec.params:
        if p.kind == "categorical":
            values[p.name] = trial.suggest_categorical(p.name, list(p.choices))
        elif p.kind == "int":
            step = int(p.step or 1)
            values[p.name] = trial.suggest_int(
                p.name, int(p.low), int(p.high), step=step, log=p.log
            )
        else:
            values[p.name] = trial.suggest_float(
                p.name, float(p.low), float(p.high), step=p.step, log=p.log
            )
    return values


def run_trial(
    optuna: Any,
    study: Any,
    trial: Any,
    spec: SweepSpec,
    values: dict[str, Any],
    sweep_dir: Path,
    *,
    quiet: bool = False,
) -> None:
    """One run of `train(cfg)`; its per-epoch metric goes to the pruner; tell Optuna the end."""
    from ..train import train  # imports torch

    state = optuna.trial.TrialState
    shown = " ".join(f"{k}={override_value(v)}" for k, v in values.items())
    info(f"trial {trial.number}: {shown}")
    seen: list[float] = []
    try:
        cfg = load_config(spec.config, spec.trial_overrides(values))
        cfg.run_name = f"{cfg.run_name}_trial-{trial.number}"
        if quiet:
            cfg.trainer.progress = False  # several workers share one terminal
        on_epoch = _epoch_hook(trial, spec, seen)
        run_info = {"sweep": sweep_dir.name, "study": study.study_name, "trial": trial.number}
        train(cfg, on_epoch=on_epoch, run_info=run_info)
    except PrunedRun as err:
        info(f"trial {trial.number} {err}")
        study.tell(trial, state=state.PRUNED)
    except KeyboardInterrupt:  # not counted: a re-run of the sweep retries it
        study.tell(trial, state=state.FAIL)
        raise
    except Exception as err:  # one bad trial (NaN loss, out of memory) does not end the sweep
        if not isinstance(err, ProjectError):
            traceback.print_exc()
        trial.set_user_attr("error", one_line(err))
        study.tell(trial, state=state.FAIL)
        warn(f"trial {trial.number} failed: {one_line(err)}")
    else:
        if not seen:
            trial.set_user_attr("error", "no epoch finished")
            study.tell(trial, state=state.FAIL)
            return
        best = max(seen) if spec.direction == "maximize" else min(seen)
        study.tell(trial, best)
        info(f"trial {trial.number} done: best {spec.metric} {best:.4f}")


def _epoch_hook(
    trial: Any, spec: SweepSpec, seen: list[float]
) -> Callable[[dict[str, float], Path], None]:
    """Report each epoch's metric to Optuna; raise `PrunedRun` when the pruner says stop."""

    def on_epoch(metrics: dict[str, float], run_dir: Path) -> None:
        if not seen:
            trial.set_user_attr("run", run_dir.name)
        epoch, value = int(metrics["epoch"]), float(metrics[spec.metric])
        seen.append(value)
        trial.report(value, epoch)
        if trial.should_prune():
            raise PrunedRun(
                f"pruned after epoch {epoch} ({spec.metric} {value:.4f}) "
                f"by the {spec.pruner['name']} pruner"
            )

    return on_epoch
