"""`submit`: queue `train` (or sweep workers) on Slurm through submitit.

One task per GPU (`--ntasks-per-node = --gpus-per-node`); each task runs the same training code
as `torchrun` with rank, world size and master address taken from Slurm (see `slurm_job`).
The job asks for `--signal USR2@90` and `--requeue`: on the time limit or a preemption it is
requeued and resumes from `last.pt` in the same run folder. submitit's files and the tasks'
logs go to `<paths.logs>/slurm/<job id>/`.

submitit is imported only here, and only when a job is submitted or rendered.
"""

import re
import shlex
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from ..errors import ProjectError

INSTALL_HINT = "pip install -e '.[slurm]'"
SLURM_FOLDER = "slurm"  # <paths.logs>/slurm/<job id>/: submitit's pickles and the task logs
SIGNAL_DELAY_S = 90  # USR2 this long before the time limit: time to leave the epoch cleanly
MAX_TIMEOUT_REQUEUES = 3  # requeues after hitting the time limit (preemptions do not count)
# Slurm's --time: M, M:S, H:M:S, D-H, D-H:M, D-H:M:S
_TIME = re.compile(
    r"^(?:(?P<days>\d+)-(?P<dh>\d+)(?::(?P<dm>\d+)(?::(?P<ds>\d+))?)?"
    r"|(?P<h>\d+):(?P<hm>\d+):(?P<hs>\d+)|(?P<m>\d+)(?::(?P<ms>\d+))?)$"
)
_MEM = re.compile(r"^\d+[KMGT]?$", re.IGNORECASE)


@dataclass(frozen=True)
class SlurmResources:
    """What one job asks Slurm for."""

    nodes: int = 1
    gpus_per_node: int = 1
    time_min: int = 60
    partition: str | None = None
    cpus_per_task: int | None = None
    mem: str | None = None
    account: str | None = None
    qos: str | None = None

    @property
    def tasks_per_node(self) -> int:
        """One task per GPU (one per node on a CPU-only job)."""
        return max(1, self.gpus_per_node)


def parse_time(text: str) -> int:
    """Slurm's `--time` formats in whole minutes (seconds rounded up); ProjectError if bad."""
    match = _TIME.match(text.strip())
    if match is None:
        raise ProjectError(
            f"--time {text!r} is not a Slurm time: use MINUTES, HH:MM:SS or D-HH:MM:SS"
        )
    g = {k: int(v) for k, v in match.groupdict().items() if v is not None}
    seconds = (
        g.get("days", 0) * 86400
        + (g.get("dh", 0) + g.get("h", 0)) * 3600
        + (g.get("dm", 0) + g.get("hm", 0) + g.get("m", 0)) * 60
        + g.get("ds", 0)
        + g.get("hs", 0)
        + g.get("ms", 0)
    )
    if seconds <= 0:
        raise ProjectError(f"--time {text!r} must be longer than 0")
    return -(-seconds // 60)


def check_resources(resources: SlurmResources) -> SlurmResources:
    """One-line errors for values Slurm would refuse later (after waiting in the queue)."""
    if resources.nodes < 1:
        raise ProjectError(f"--nodes must be >= 1, got {resources.nodes}")
    if resources.gpus_per_node < 0:
        raise ProjectError(f"--gpus-per-node must be >= 0, got {resources.gpus_per_node}")
    if resources.cpus_per_task is not None and resources.cpus_per_task < 1:
        raise ProjectError(f"--cpus-per-task must be >= 1, got {resources.cpus_per_task}")
    if resources.mem is not None and not _MEM.match(resources.mem):
        raise ProjectError(f"--mem {resources.mem!r} is not a Slurm size: use e.g. 64G or 500M")
    for flag, value in (("partition", resources.partition), ("account", resources.account)):
        if value is not None and not re.fullmatch(r"[A-Za-z0-9_.,-]+", value):
            raise ProjectError(f"--{flag} {value!r}: use letters, digits, `_`, `.`, `-` or `,`")
    if resources.qos is not None and not re.fullmatch(r"[A-Za-z0-9_.-]+", resources.qos):
        raise ProjectError(f"--qos {resources.qos!r}: use letters, digits, `_`, `.` or `-`")
    return resources


def require_submitit() -> None:
    """One line naming the extra when submitit is missing."""
    try:
        import submitit  # noqa: F401
    except ImportError:
        raise ProjectError(f"submit needs submitit: {INSTALL_HINT}") from None


@dataclass(frozen=True)
class JobSpec:
    """A job to queue: its callables (one, or one per sweep worker) and what it shows."""

    name: str
    jobs: list[Any]
    command: list[str]  # what each task runs, after `python -m <package>`
    logs_dir: Path
    tasks_per_node: int


def train_job(
    project_root: Path,
    train_args: list[str],
    *,
    name: str,
    logs_dir: Path,
    models_dir: Path,
    resume: str | None,
    resources: SlurmResources,
) -> JobSpec:
    """`train` in every task of one job."""
    from .slurm_job import TrainJob

    job = TrainJob(
        str(project_root),
        train_args,
        logs_dir=str(logs_dir),
        models_dir=str(models_dir),
        resume=resume,
    )
    command = ["train", *train_args, *(["--resume", resume] if resume else [])]
    return JobSpec(name, [job], command, logs_dir, resources.tasks_per_node)


def sweep_jobs(
    project_root: Path,
    sweep_file: Path,
    *,
    workers: int,
    storage: str,
    trials: int | None,
    logs_dir: Path,
) -> JobSpec:
    """`workers` sweep workers (a job array) sharing one Optuna storage."""
    from .slurm_job import SweepJob

    command = ["sweep", str(sweep_file), "--storage", storage]
    if trials is not None:
        command += ["--trials", str(trials)]
    jobs = [SweepJob(str(project_root), command) for _ in range(workers)]
    return JobSpec(f"sweep-{sweep_file.stem}", jobs, command, logs_dir, 1)


def default_sweep_storage(logs_dir: Path, sweep_file: Path, *, now: datetime | None = None) -> Path:
    """`<logs>/sweeps/<time>_<name>.journal`: Optuna's journal file, for workers on several hosts
    sharing a file system (SQLite's locking is unsafe on NFS). The workers' sweep folder beside
    it records it as the study's storage."""
    stamp = (now or datetime.now()).strftime("%Y-%m-%d_%H-%M-%S")
    return (logs_dir / "sweeps" / f"{stamp}_{sweep_file.stem}.journal").absolute()


def executor_parameters(spec: JobSpec, resources: SlurmResources, package: str) -> dict[str, Any]:
    """submitit's SlurmExecutor parameters for the job."""
    params: dict[str, Any] = {
        "job_name": spec.name,
        "nodes": resources.nodes,
        "ntasks_per_node": spec.tasks_per_node,
        "time": resources.time_min,
        "signal_delay_s": SIGNAL_DELAY_S,
        "additional_parameters": {"requeue": True},
        # Shown in the script: the command each task runs (the job itself is a pickle).
        "setup": [f"# each task runs: python -m {package} {shlex.join(spec.command)}"],
    }
    if resources.gpus_per_node:
        params["gpus_per_node"] = resources.gpus_per_node
    optional = {
        "partition": resources.partition,
        "cpus_per_task": resources.cpus_per_task,
        "mem": resources.mem,
        "account": resources.account,
        "qos": resources.qos,
    }
    params.update({k: v for k, v in optional.items() if v is not None})
    return params


def make_executor(spec: JobSpec, resources: SlurmResources, package: str, *, dry_run: bool) -> Any:
    """A SlurmExecutor writing to `<logs>/slurm/<job id>/`; a dry run needs no Slurm."""
    require_submitit()
    from submitit import SlurmExecutor

    class _Preview(SlurmExecutor):
        @classmethod
        def affinity(cls) -> int:
            return 1  # renders the script without `srun` on this machine

    folder = spec.logs_dir / SLURM_FOLDER / "%j"
    try:
        executor = (_Preview if dry_run else SlurmExecutor)(
            folder, max_num_timeout=MAX_TIMEOUT_REQUEUES
        )
    except RuntimeError as err:  # "Could not detect srun"
        raise ProjectError(
            f"no Slurm here ({err}): run submit on a cluster login node, "
            "or add --dry-run to see the sbatch script"
        ) from None
    try:
        executor.update_parameters(**executor_parameters(spec, resources, package))
    except ValueError as err:
        raise ProjectError(f"submitit refused the parameters: {str(err).splitlines()[0]}") from None
    return executor


def sbatch_script(executor: Any, spec: JobSpec) -> str:
    """The script `sbatch` would get, rendered by submitit itself; writes nothing."""
    original = dict(executor.parameters)
    if len(spec.jobs) > 1:
        executor.parameters["map_count"] = len(spec.jobs)  # how submitit renders an array
    try:
        return executor._make_submission_file_text(executor._submitit_command_str, "dry-run")
    finally:
        executor.parameters = original


@dataclass(frozen=True)
class Submission:
    """What `submit` did: the script (dry run) or the queued job ids, and where logs go."""

    script: str
    job_ids: list[str]
    folder: Path  # <paths.logs>/slurm

    def log_file(self, job_id: str) -> Path:
        """Rank 0's stdout (its stderr is beside it, `.err`)."""
        return self.folder / job_id / f"{job_id}_0_log.out"


def plan_train(
    config: Path,
    overrides: list[str],
    resume: str | None,
    resources: SlurmResources,
    project_root: Path,
) -> JobSpec:
    """Check the config, checkpoint and dataset now, not after waiting in the queue."""
    from ..config import load_config
    from ..errors import CheckpointError, require_dataset
    from ..runs.folders import latest_resumable

    cfg = load_config(config, overrides)
    logs, models = Path(cfg.paths.logs), Path(cfg.paths.models)
    if resume == "last":
        resume = str(latest_resumable(logs, models)[0])
    elif resume is not None and not Path(resume).is_file():
        raise CheckpointError(f"checkpoint {resume} not found: pass a .pt file or `last`")
    else:
        require_dataset(cfg.data.root)
    train_args = ["--config", str(config), *overrides]
    return train_job(
        project_root,
        train_args,
        name=str(cfg.run_name),
        logs_dir=logs,
        models_dir=models,
        resume=resume,
        resources=resources,
    )


def plan_sweep(
    sweep_file: Path,
    *,
    config: Path,
    workers: int,
    trials: int | None,
    storage: str | None,
    resources: SlurmResources,
    project_root: Path,
) -> tuple[JobSpec, Path | None]:
    """Sweep workers; also returns the default journal file to create (None with --storage)."""
    from ..config import load_config

    if not sweep_file.is_file():
        raise ProjectError(f"sweep file {sweep_file} not found")
    if workers < 1:
        raise ProjectError(f"--workers must be >= 1, got {workers}")
    if trials is not None and trials < 1:
        raise ProjectError(f"--trials must be >= 1, got {trials}")
    if resources.nodes != 1:
        raise ProjectError("a sweep worker runs on one node: use --workers N for more workers")
    logs = Path(load_config(config, deep=False).paths.logs)
    journal = None if storage else default_sweep_storage(logs, sweep_file)
    spec = sweep_jobs(
        project_root,
        sweep_file,
        workers=workers,
        storage=storage or str(journal),
        trials=trials,
        logs_dir=logs,
    )
    return spec, journal


def queue(spec: JobSpec, resources: SlurmResources, package: str, *, dry_run: bool) -> Submission:
    """Render the sbatch script, and unless `dry_run` submit it."""
    executor = make_executor(spec, resources, package, dry_run=dry_run)
    script = sbatch_script(executor, spec)
    folder = spec.logs_dir / SLURM_FOLDER
    if dry_run:
        return Submission(script, [], folder)
    from submitit.core.utils import FailedJobError, FailedSubmissionError

    try:
        jobs = submit(executor, spec)
    except (FailedJobError, FailedSubmissionError, OSError) as err:
        lines = str(err).strip().splitlines() or [type(err).__name__]
        raise ProjectError(f"sbatch refused the job: {lines[-1]}") from None
    return Submission(script, [str(job.job_id) for job in jobs], folder)


def submit(executor: Any, spec: JobSpec) -> list[Any]:
    """Queue the job (one job, or one job array for several sweep workers)."""
    if len(spec.jobs) == 1:
        return [executor.submit(spec.jobs[0])]
    with executor.batch():
        pending = [executor.submit(job) for job in spec.jobs]
    return pending
