"""Run folders `logs/<YYYY-MM-DD_HH-MM-SS>_<run-name>/`: unique, `logs/latest`, `status.json`."""

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from ..errors import CheckpointError
from .files import atomic_write_text, point_to

MAX_ATTEMPTS = 1000
LATEST = "latest"


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
    """Point `logs/latest` at `run_dir` (a relative symlink)."""
    point_to(logs_dir / LATEST, run_dir)


def resolve_latest(logs_dir: Path) -> Path:
    """The run folder `logs/latest` points at."""
    link = logs_dir / LATEST
    if not link.exists():
        raise CheckpointError(f"{link} does not exist: no run to resume; pass --resume PATH")
    return logs_dir / link.resolve().name


def is_debug_run(run_dir: Path) -> bool:
    """A fast-dev-run: its status says so, or (no status yet) its name does."""
    status = run_dir / "status.json"
    if status.is_file():
        try:
            return bool(json.loads(status.read_text()).get("debug"))
        except (OSError, ValueError):
            pass
    return "_fast-dev-run_" in run_dir.name


def latest_resumable(logs_dir: Path, models_dir: Path) -> tuple[Path, list[str]]:
    """`models/<run>/last.pt` of the latest run that is no fast-dev-run, and the runs skipped.

    "Latest" is the run `logs/latest` points at, else the newest run folder by name.
    """
    runs = sorted(
        (p for p in logs_dir.glob("*") if p.is_dir() and not p.is_symlink()),
        key=lambda p: p.name,
        reverse=True,
    )
    link = logs_dir / LATEST
    if link.exists():
        runs.insert(0, logs_dir / link.resolve().name)
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


@contextmanager
def track_status(run_dir: Path, *, enabled: bool = True, **info: Any) -> Iterator[dict[str, Any]]:
    """Keep `status.json` telling running / finished / failed / interrupted.

    The caller may add entries (e.g. final metrics) to the yielded dict before it closes.
    """
    path = run_dir / "status.json"
    previous = json.loads(path.read_text()) if path.is_file() else {}
    record: dict[str, Any] = {
        "state": "running",
        "started_at": previous.get("started_at", _now()),
        **info,
    }
    if previous:
        record["resumed_at"] = [*previous.get("resumed_at", []), _now()]

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
        record["state"] = "failed"
        record["error"] = f"{type(err).__name__}: {str(err).splitlines()[0] if str(err) else ''}"
        raise
    else:
        record["state"] = "finished"
    finally:
        record["ended_at"] = _now()
        write()


def _now() -> str:
    return datetime.now().astimezone().isoformat(timespec="seconds")
