"""Run folders: `logs/<YYYY-MM-DD_HH-MM-SS>_<run-name>/`, unique even when started together."""

import re
from datetime import datetime
from pathlib import Path

MAX_ATTEMPTS = 1000


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
