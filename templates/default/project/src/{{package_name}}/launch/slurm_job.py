"""What runs inside each Slurm task that `submit` queued: the same `train` (or `sweep`) command
as on a workstation, in-process, with torchrun's environment variables taken from Slurm.

submitit pickles one of these callables at submission and calls it in every task. On the time
limit (or a preemption that sends the job's signal) submitit calls `checkpoint()` on the global
rank 0 and requeues the job; the next attempt finds the run folder of the first one in
`<job folder>/run.txt` and resumes from its `last.pt`, in the same run folder. That record is
written as soon as the run folder exists, so a job that Slurm itself requeues (node failure,
preemption without signal) resumes too.

Only what `--help` never needs imports submitit: this module is imported by `submit` after
checking that submitit is installed, and by submitit's own job process.
"""

import atexit
import json
import os
import signal
import threading
import time
from pathlib import Path
from types import FrameType
from typing import Any

from submitit import JobEnvironment
from submitit.helpers import Checkpointable, DelayedSubmission, TorchDistributedEnvironment

from ..runs.folders import run_dirs
from ..utils.files import atomic_write_text, host_name
from ..utils.process_exit import finish, launched_by_torchrun

RUN_RECORD = "run.txt"  # in the job's submitit folder: the run folder name of the first attempt
WATCH_INTERVAL_S = 1.0


class Requeued(KeyboardInterrupt):
    """submitit requeued the job: the run ends as `interrupted` and resumes in the next attempt.

    A KeyboardInterrupt, so the run's status records `interrupted`, not `failed`.
    """


class JobFailed(RuntimeError):
    """The command in the job ended with a non-zero exit code (its log says why)."""


def export_torch_env() -> dict[str, str]:
    """RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR and MASTER_PORT from the Slurm task's
    environment, as torchrun would set them, so `utils.distributed.init_distributed` joins the
    group the same way. Every GPU of the node stays visible: rank k uses `cuda:<LOCAL_RANK>`.
    """
    env = TorchDistributedEnvironment().export(set_cuda_visible_devices=False, overwrite=True)
    return {
        "RANK": str(env.rank),
        "WORLD_SIZE": str(env.world_size),
        "LOCAL_RANK": str(env.local_rank),
        "MASTER_ADDR": env.master_addr,
        "MASTER_PORT": str(env.master_port),
    }


class CliJob(Checkpointable):
    """`python -m <package> <args>` run in-process in the project root of the submission."""

    def __init__(self, project_root: str, args: list[str]) -> None:
        self.project_root = project_root
        self.args = list(args)

    def __call__(self) -> str:
        os.chdir(self.project_root)
        exit_on_requeue = _SubmititExit.install()
        try:
            code = self._run()
        except Requeued:
            code = None
        exit_on_requeue.exit_if_requested()
        if code:
            raise JobFailed(f"python -m {_package()} {' '.join(self.args)} exited with {code}")
        if launched_by_torchrun():
            # After submitit has stored the result: end as a torchrun worker does, skipping the
            # interpreter's finalization that gloo/NCCL threads can abort (see process_exit).
            atexit.register(finish, 0)
        return "done"

    def _run(self) -> int:
        return _main(self.args)


class TrainJob(CliJob):
    """`train` in every task (one per GPU); requeued attempts resume in the same run folder.

    `logs_dir` and `models_dir` are the project's `paths.logs` / `paths.models`.
    """

    def __init__(
        self,
        project_root: str,
        train_args: list[str],
        *,
        logs_dir: str,
        models_dir: str,
        resume: str | None = None,
    ) -> None:
        super().__init__(project_root, ["train", *train_args])
        self.train_args = list(train_args)
        self.logs_dir = logs_dir
        self.models_dir = models_dir
        self.resume = resume

    def __call__(self) -> str:
        os.chdir(self.project_root)
        export_torch_env()  # before the package's console module reads RANK
        resume = self._resume_checkpoint() or self.resume
        self.args = ["train", *self.train_args, *(["--resume", resume] if resume else [])]
        return super().__call__()

    def _run(self) -> int:
        record = _record_path()
        if int(os.environ.get("RANK", "0")) != 0 or record.is_file():
            return _main(self.args)
        stop = threading.Event()
        watcher = threading.Thread(
            target=_watch_for_run_folder,
            args=(Path(self.logs_dir), record, stop, time.time()),
            daemon=True,
        )
        watcher.start()
        try:
            return _main(self.args)
        finally:
            stop.set()

    def checkpoint(self, *args: Any, **kwargs: Any) -> DelayedSubmission:
        """Called by submitit on rank 0 before it requeues the job: make sure the run folder is
        recorded (the trainer saved `last.pt` after the last finished epoch)."""
        record = _record_path()
        if not record.is_file():
            run = _own_run_folder(Path(self.logs_dir), started=0.0)
            if run is not None:
                atomic_write_text(record, run.name + "\n")
        return DelayedSubmission(self, *args, **kwargs)

    def _resume_checkpoint(self) -> str | None:
        """`<models>/<run>/last.pt` of the run an earlier attempt of this job started."""
        run = read_run_record(_record_path())
        if run is None:
            return None
        last = Path(self.models_dir) / run / "last.pt"
        return str(last) if last.is_file() else None


class SweepJob(CliJob):
    """One sweep worker: `sweep FILE --storage URL`; a requeued worker re-runs the same command,
    which continues the study in the shared storage."""


def read_run_record(path: Path) -> str | None:
    """The run folder name in `path`, if it holds a plain folder name (the file is untrusted)."""
    try:
        name = path.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError):
        return None
    if not name or name != Path(name).name or name.startswith(".") or "\\" in name:
        return None
    return name


def _record_path() -> Path:
    return Path(JobEnvironment().paths.folder) / RUN_RECORD


def _watch_for_run_folder(logs: Path, record: Path, stop: threading.Event, started: float) -> None:
    """Record the run folder this process trains in as soon as its status.json names us."""
    while not stop.wait(WATCH_INTERVAL_S):
        run = _own_run_folder(logs, started=started)
        if run is not None:
            atomic_write_text(record, run.name + "\n")
            return


def _own_run_folder(logs: Path, *, started: float) -> Path | None:
    """The run folder whose status.json was written by this process (pid and host)."""
    pid, host = os.getpid(), host_name()
    for run in run_dirs(logs):
        status_file = run / "status.json"
        try:
            if status_file.stat().st_mtime < started - 1:
                continue
            status = json.loads(status_file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(status, dict) and status.get("pid") == pid and status.get("host") == host:
            return run
    return None


class _SubmititExit:
    """Turn submitit's requeue exit (a SystemExit raised by its signal handler, anywhere in
    training) into `Requeued`, so the run ends cleanly as `interrupted`; then exit as submitit
    wanted once the command has returned."""

    def __init__(self) -> None:
        self.code: int | str | None = None
        self.requested = False

    @classmethod
    def install(cls) -> "_SubmititExit":
        watcher = cls()
        signum = JobEnvironment._usr_sig()
        submitit_handler = signal.getsignal(signum)
        if not callable(submitit_handler):
            return watcher  # not started by submitit (e.g. called directly)

        def handler(number: int, frame: FrameType | None) -> None:
            try:
                submitit_handler(number, frame)
            except SystemExit as exit_:
                watcher.code, watcher.requested = exit_.code, True
                raise Requeued from None

        signal.signal(signum, handler)
        return watcher

    def exit_if_requested(self) -> None:
        if self.requested:
            raise SystemExit(self.code)


def _main(args: list[str]) -> int:
    from ..cli import main  # after export_torch_env: the console reads RANK on import

    return main(args)


def _package() -> str:
    return __package__.rpartition(".")[0] if __package__ else "package"
