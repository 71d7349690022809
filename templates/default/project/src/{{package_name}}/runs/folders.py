"""Run folders `logs/<YYYY-MM-DD_HH-MM-SS>_<run-name>/`: unique, `logs/LATEST`, `status.json`."""

import json
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from ..errors import CheckpointError
from ..utils.files import atomic_write_text, host_name, pid_alive

MAX_ATTEMPTS = 1000
# A text file holding the newest run's folder name. Not a link: TensorBoard follows links to
# folders and would show the newest run twice (once as `latest`).
LATEST = "LATEST"
OLD_LATEST_LINK = "latest"  # written by earlier versions of this project


def slugify(name: str) -> str:
    """Keep run names safe as folder names: letters, digits, `.`, `_` and `-`."""
    return re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-.") or "run"


def create_run_dir(logs_dir: Path, run_name: str, *, now: datetime | None = None) -> Path:
    """Create and return a new run folder; `mkdir` is atomic, so concurrent starts never share.

    A second run started in the same second gets the suffix `-2`, then `-3`, ...
    """
    logs_dir.mkdir(parents=True, exist_ok=True)
    base = f"{(now or datetime.now()).strftime('%Y-%m-%d_%H-%M-%S')}_{slugify(run_name)}"
    for attempt in range(1, MAX_ATTEMPTS + 1):
        run_dir = logs_dir / (base if attempt == 1 else f"{base}-{attempt}")
        try:
            run_dir.mkdir(exist_ok=False)
        except FileExistsError:
            continue
        return run_dir
    raise FileExistsError(f"could not create a unique run folder for {base} in {logs_dir}")


def update_latest(logs_dir: Path, run_dir: Path) -> None:
    """Record `run_dir` as the newest run in `logs/LATEST` (and drop an old `latest` link)."""
    atomic_write_text(logs_dir / LATEST, run_dir.name + "\n")
    old = logs_dir / OLD_LATEST_LINK
    if old.is_symlink():
        old.unlink(missing_ok=True)


def latest_run(logs_dir: Path) -> Path | None:
    """The run folder `logs/LATEST` names, if it names an existing plain run folder."""
    try:
        name = (logs_dir / LATEST).read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError):
        return None
    run_dir = logs_dir / name
    if not name or "/" in name or "\\" in name or name.startswith(".") or not run_dir.is_dir():
        return None
    return run_dir


def resolve_latest(logs_dir: Path) -> Path:
    """The run folder `logs/LATEST` names."""
    run_dir = latest_run(logs_dir)
    if run_dir is None:
        raise CheckpointError(
            f"{logs_dir / LATEST} names no run folder: no run to resume; pass --resume PATH"
        )
    return run_dir


def is_debug_run(run_dir: Path) -> bool:
    """A fast-dev-run: its status says so, or (no status yet) its name does."""
    status = read_status(run_dir)
    if "debug" in status:
        return bool(status["debug"])
    return "_fast-dev-run_" in run_dir.name


def latest_resumable(logs_dir: Path, models_dir: Path) -> tuple[Path, list[str]]:
    """`models/<run>/last.pt` of the latest run that is no fast-dev-run, and the runs skipped.

    "Latest" is the run `logs/LATEST` names, else the newest run folder by name.
    """
    runs = run_dirs(logs_dir)
    latest = latest_run(logs_dir)
    if latest is not None:
        runs.insert(0, latest)
    skipped: list[str] = []
    for run in dict.fromkeys(runs):
        checkpoint = models_dir / run.name / "last.pt"
        if not is_debug_run(run) and checkpoint.exists():
            return checkpoint, skipped
        skipped.append(run.name)
    raise CheckpointError(
        f"no run to resume in {logs_dir} (fast-dev-runs and runs without a checkpoint are "
        "skipped): pass --resume models/<run>/last.pt"
    )


def create_resume_dir(run_dir: Path) -> Path:
    """`<run>/resume-1/`, `resume-2/`, ...: where a resume records its own config and snapshot,
    so the run's original `config.yaml`, `command.txt` and `snapshot.json` stay as they were."""
    for attempt in range(1, MAX_ATTEMPTS + 1):
        folder = run_dir / f"resume-{attempt}"
        try:
            folder.mkdir(exist_ok=False)
        except FileExistsError:
            continue
        return folder
    raise FileExistsError(f"could not create a resume folder in {run_dir}")


def run_dirs(logs_dir: Path) -> list[Path]:
    """The run folders in `logs_dir`, newest first (by name, which starts with the time)."""
    if not logs_dir.is_dir():
        return []
    return sorted(
        (p for p in logs_dir.iterdir() if _is_run_dir(p)), key=lambda p: p.name, reverse=True
    )


# Folders of logs/ that hold no run: `runs compare` figures, sweeps, Slurm job logs (launch/).
NOT_RUNS = frozenset({"compare", "sweeps", "slurm"})
RUN_NAME = re.compile(r"\d{4}-\d{2}-\d{2}_\d{2}-\d{2}-\d{2}_")


def _is_run_dir(path: Path) -> bool:
    """A plain folder (no link, plain name) that a run made.

    A run folder holds `status.json` or `config.yaml`, or (just created) its name starts with
    the time; an `inspect-data` folder (its plots and `summary.json`) is no training run.
    """
    if path.name in NOT_RUNS or not is_plain_name(path.name):
        return False
    if path.is_symlink() or not path.is_dir():
        return False
    if (path / "status.json").exists() or (path / "config.yaml").exists():
        return True
    return RUN_NAME.match(path.name) is not None and not (path / "summary.json").exists()


def read_status(run_dir: Path) -> dict[str, Any]:
    """`status.json` of a run ({} if missing or unreadable), with the state as it is now.

    A run recorded as running whose process is gone from this host was killed before it could
    record its end: its state reads `crashed`.
    """
    try:
        status = json.loads((run_dir / "status.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):  # ValueError covers bad JSON and bad UTF-8
        return {}
    if not isinstance(status, dict):
        return {}
    if status.get("state") == "running" and _process_gone(status):
        status["state"] = "crashed"
    return status


def _process_gone(status: dict[str, Any]) -> bool:
    pid = status.get("pid")
    if status.get("host") != host_name() or not isinstance(pid, int):
        return False  # another machine's run (or an old record): cannot tell
    return not pid_alive(pid)


@dataclass(frozen=True)
class RunInfo:
    """One line of `runs`: a run folder and what its status.json says."""

    path: Path
    state: str
    epoch: int | None
    metrics: dict[str, Any]
    debug: bool


def list_runs(logs_dir: Path) -> list[RunInfo]:
    """Every run folder, newest first, with its state (running, finished, crashed, ...)."""
    found = []
    for run_dir in run_dirs(logs_dir):
        status = read_status(run_dir)
        metrics = status.get("metrics") if isinstance(status.get("metrics"), dict) else {}
        epoch = metrics.get("epoch")
        found.append(
            RunInfo(
                path=run_dir,
                state=str(status.get("state", "unknown")),
                epoch=int(epoch) if isinstance(epoch, int | float) else None,
                metrics=metrics,
                debug=is_debug_run(run_dir),
            )
        )
    return found


@contextmanager
def track_status(run_dir: Path, *, enabled: bool = True, **info: Any) -> Iterator[dict[str, Any]]:
    """Keep `status.json` telling running / finished / failed / interrupted.

    It records this process's id and host, so a run killed before it could record its end
    reads as `crashed` (see `read_status`). The caller may add entries (e.g. final metrics)
    to the yielded dict before it closes.
    """
    path = run_dir / "status.json"
    previous = read_status(run_dir) if path.is_file() else {}
    record: dict[str, Any] = {
        "state": "running",
        "started_at": previous.get("started_at", _now()),
        "pid": os.getpid(),
        "host": host_name(),
        **info,
    }
    if previous:
        earlier = previous.get("resumed_at")
        record["resumed_at"] = [*(earlier if isinstance(earlier, list) else []), _now()]

    def write() -> None:
        if enabled:
            atomic_write_text(path, json.dumps(record, indent=2, default=str) + "\n")

    write()
    try:
        yield record
    except KeyboardInterrupt:
        record["state"] = "interrupted"
        raise
    except BaseException as err:
        record["state"] = getattr(err, "run_state", "failed")  # e.g. a sweep's pruned run
        record["error"] = f"{type(err).__name__}: {str(err).splitlines()[0] if str(err) else ''}"
        raise
    else:
        record["state"] = "finished"
    finally:
        record["ended_at"] = _now()
        write()


def _now() -> str:
    return datetime.now().astimezone().isoformat(timespec="seconds")


def find_run_checkpoint(spec: str, logs_dir: Path, models_dir: Path) -> Path:
    """`best`/`last` of the latest finished run (fast-dev-runs skipped), a run's `best.pt`
    (by run folder name, or its `logs/<run>` / `models/<run>` folder), or a `.pt` file."""
    if spec in {"best", "last"}:
        for run in list_runs(logs_dir):
            path = models_dir / run.path.name / f"{spec}.pt"
            if run.state == "finished" and not run.debug and path.exists():
                return path
        raise CheckpointError(
            f"no finished run with a {spec}.pt in {logs_dir} (fast-dev-runs are skipped): "
            "train one, or pass --checkpoint RUN or a .pt file"
        )
    path = Path(spec)
    if path.is_file():
        return path
    if path.is_dir() and (path / "best.pt").exists():
        return path / "best.pt"
    name = path.name
    if is_plain_name(name) and (models_dir / name / "best.pt").exists():
        return models_dir / name / "best.pt"
    raise CheckpointError(
        f"checkpoint {spec} not found: pass best, last, a run folder name with "
        f"{models_dir}/<run>/best.pt, or a .pt file"
    )


def is_plain_name(name: str) -> bool:
    """A single folder name of letters, digits, `.`, `_` and `-` (no path, not hidden)."""
    return bool(name) and re.fullmatch(r"[A-Za-z0-9_-][A-Za-z0-9._-]*", name) is not None
