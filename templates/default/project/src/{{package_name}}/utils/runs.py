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
