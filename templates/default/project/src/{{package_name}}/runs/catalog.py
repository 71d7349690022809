"""What each run folder says about its run, read defensively: a summary per run for `runs`.

Every file of a run folder is untrusted (it may be half-written, edited, or come from another
machine): a file that cannot be read, parsed or understood gives None (`?` in tables), never
an exception.
"""

import json
import math
import re
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

from ..errors import ProjectError
from .folders import (
    NOT_RUNS,
    RUN_NAME,
    is_debug_run,
    is_plain_name,
    latest_run,
    read_status,
    run_dirs,
)
from .loggers.csv_log import FILE_NAME as METRICS_CSV
from .loggers.csv_log import read_metrics

STATES = ("running", "finished", "failed", "interrupted", "crashed", "pruned")
NOTES = "notes.json"  # in the run folder: [{"date": ..., "text": ...}, ...]
KEEP = "KEEP"  # in the run folder: `runs clean` never removes the run
MAX_BYTES = 2_000_000  # larger config/snapshot/notes files are not read
MAX_KEYS = 10_000  # a config flattening into more keys is not a config (e.g. YAML alias bombs)
# libyaml's safe loader when PyYAML was built with it: a run's config.yaml parses ~10x faster
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_json(path: Path) -> Any:
    """The parsed JSON file, or None when missing, too large, unreadable or not JSON."""
    text = read_text(path)
    if text is None:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return None


def read_text(path: Path, limit: int = MAX_BYTES) -> str | None:
    """A regular file's UTF-8 text, or None (missing, too large, unreadable, not UTF-8)."""
    try:
        if not path.is_file() or path.stat().st_size > limit:
            return None
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None


def flat_config(path: Path) -> dict[str, Any] | None:
    """A run's `config.yaml` as `{"optimizer.lr": 0.003, ...}`, or None if unusable."""
    text = read_text(path)
    if text is None:
        return None
    try:
        data = yaml.load(text, Loader=SAFE_LOADER)  # a safe loader: plain data only
    except yaml.YAMLError:
        return None
    return flatten_limited(data) if isinstance(data, dict) else None


def flatten_limited(tree: dict[str, Any]) -> dict[str, Any] | None:
    """`{"a": {"b": 1}}` -> `{"a.b": 1}`; None past MAX_KEYS keys."""
    flat: dict[str, Any] = {}
    stack: list[tuple[str, dict[Any, Any]]] = [("", tree)]
    while stack:
        prefix, node = stack.pop()
        for key, value in node.items():
            name = f"{prefix}{key}"
            if isinstance(value, dict) and value:
                stack.append((f"{name}.", value))
            else:
                flat[name] = value
            if len(flat) + len(stack) > MAX_KEYS:
                return None
    return dict(sorted(flat.items()))


def config_diff(run: dict[str, Any] | None, base: dict[str, Any] | None) -> dict[str, Any] | None:
    """The keys of `run` whose value differs from `base` (keys `run` lacks are left out)."""
    if run is None or base is None:
        return None
    return {key: value for key, value in run.items() if key not in base or base[key] != value}


def format_value(value: Any) -> str:
    """A config value as written on the command line: `0.001`, `mlp`, `[64, 32]`."""
    if isinstance(value, str):
        return value
    return json.dumps(value, default=str)


def format_diff(diff: dict[str, Any] | None) -> str:
    """`optimizer.lr=0.001, model.name=mlp`; `?` when unknown."""
    if diff is None:
        return "?"
    return ", ".join(f"{key}={format_value(value)}" for key, value in diff.items())


def best_metric(
    rows: list[dict[str, float | None]], status_metrics: dict[str, Any], monitor: str
) -> dict[str, Any] | None:
    """`{"metric", "value", "epoch"}` of the best epoch by `monitor` (val_loss: lowest).

    From metrics.csv; without it, the best value status.json recorded (epoch unknown).
    """
    higher = not monitor.endswith("loss")
    values = [
        (row[monitor], row.get("epoch"))
        for row in rows
        if isinstance(row.get(monitor), float) and math.isfinite(row[monitor])  # type: ignore[arg-type]
    ]
    if values:
        value, epoch = (max if higher else min)(values, key=lambda item: item[0])
        return {"metric": monitor, "value": value, "epoch": epoch}
    value = status_metrics.get(f"best_{monitor}")
    if _is_number(value):
        return {"metric": monitor, "value": float(value), "epoch": None}
    return None


def final_metrics(
    rows: list[dict[str, float | None]], status_metrics: dict[str, Any]
) -> dict[str, int | float]:
    """The last epoch's numbers (metrics.csv, else status.json)."""
    source = rows[-1] if rows else status_metrics
    return {
        str(k): int(v) if k == "epoch" else float(v) for k, v in source.items() if _is_number(v)
    }


def summarize(run_dir: Path, models_dir: Path, base: dict[str, Any] | None) -> dict[str, Any]:
    """One run as a plain dict with fixed keys (what `runs list --json` prints).

    `base` is the flattened project config (configs/default.yaml) the differences refer to.
    """
    status = read_status(run_dir)
    state = status.get("state")
    status_metrics = status.get("metrics") if isinstance(status.get("metrics"), dict) else {}
    config = flat_config(final_config_path(run_dir))
    monitor = (config or {}).get("trainer.monitor")
    monitor = monitor if monitor in {"val_acc", "val_loss"} else "val_acc"
    rows = read_metrics(run_dir / METRICS_CSV)
    started = _started(status, run_dir.name)
    snapshot = read_json(run_dir / "snapshot.json")
    git = snapshot.get("git") if isinstance(snapshot, dict) else None
    git = git if isinstance(git, dict) else {}
    commit = git.get("commit")
    checkpoint = models_dir / run_dir.name / "best.pt"
    return {
        "name": run_dir.name,
        "path": run_dir.as_posix(),
        "status": state if state in STATES else None,
        "debug": _is_debug(status, run_dir),
        "start": started.isoformat(timespec="seconds") if started else None,
        "duration_s": _duration(status, started),
        "commit": commit if is_commit(commit) else None,
        "dirty": git.get("dirty") if isinstance(git.get("dirty"), bool) else None,
        "config_diff": config_diff(config, base),
        "best": best_metric(rows, status_metrics, monitor),
        "final": final_metrics(rows, status_metrics),
        "checkpoint": checkpoint.as_posix() if checkpoint.is_file() else None,
        "notes": (run_dir / NOTES).exists(),
        "kept": (run_dir / KEEP).exists(),
    }


def final_config_path(run_dir: Path) -> Path:
    """The config the run ended with: that of its last resume (`resume-N/`), else its own."""
    resumes = resume_dirs(run_dir)
    return run_dir / (f"{resumes[-1]}/config.yaml" if resumes else "config.yaml")


def resume_dirs(run_dir: Path) -> list[str]:
    """`resume-1`, `resume-2`, ... (folders holding a config.yaml), in order."""
    found = [p.name for p in run_dir.glob("resume-*") if (p / "config.yaml").is_file()]
    found = [name for name in found if name[7:].isdigit()]
    return sorted(found, key=lambda name: int(name[7:]))


def is_commit(value: Any) -> bool:
    """A git object name (hex): anything else in a snapshot is not shown as a commit."""
    return isinstance(value, str) and re.fullmatch(r"[0-9a-f]{7,64}", value) is not None


def read_notes(run_dir: Path) -> list[dict[str, str]] | None:
    """The run's notes ([] without notes, None if its notes file is unreadable)."""
    if not (run_dir / NOTES).exists():
        return []
    notes = read_json(run_dir / NOTES)
    if not isinstance(notes, list):
        return None
    return [
        {"date": str(note.get("date", "?")), "text": str(note.get("text", ""))}
        for note in notes
        if isinstance(note, dict)
    ]


def parse_since(text: str, now: datetime | None = None) -> datetime:
    """`2d`, `3h`, `30m`, `1w` ago, or an ISO date / time (local time unless it says)."""
    now = now or datetime.now().astimezone()
    relative = re.fullmatch(r"(\d+)\s*([mhdw])", text.strip())
    if relative:
        unit = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}[relative[2]]
        return now - timedelta(**{unit: int(relative[1])})
    try:
        when = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ProjectError(
            f"--since {text!r}: give a date (2026-01-31), a time (2026-01-31T14:00) "
            "or an age (30m, 3h, 2d, 1w)"
        ) from None
    return when if when.tzinfo else when.astimezone()


def matches(summary: dict[str, Any], pattern: str) -> bool:
    """`--grep`: a case-insensitive regex (or plain substring) on name, differences and notes."""
    notes = read_notes(Path(summary["path"])) or []
    text = "\n".join(
        [summary["name"], format_diff(summary["config_diff"]), *(n["text"] for n in notes)]
    )
    try:
        return re.search(pattern, text, re.IGNORECASE) is not None
    except re.error:
        return pattern.lower() in text.lower()


def resolve_run(
    spec: str,
    logs_dir: Path,
    *,
    best_of: list[dict[str, Any]] | None = None,
    monitor: str = "val_acc",
) -> Path:
    """RUN: a run folder name (or `logs/<name>`), a unique prefix, `latest` or `best`.

    `best` is the finished, non-debug run of `best_of` with the best `monitor` value.
    """
    if spec == "latest":
        run = latest_run(logs_dir)
        if run is None or not is_run_name(run.name):
            raise ProjectError(f"{logs_dir / 'LATEST'} names no run folder: train a run first")
        return run
    if spec == "best":
        return _best_run(best_of or [], logs_dir, monitor)
    name = Path(spec).name if "/" in spec else spec
    if not is_plain_name(name):
        raise ProjectError(f"run {spec!r} is no run folder name: see `runs list`")
    names = [path.name for path in run_dirs(logs_dir)]
    if name in names:
        return logs_dir / name
    candidates = [n for n in names if n.startswith(name)]
    if len(candidates) == 1:
        return logs_dir / candidates[0]
    if not candidates:
        raise ProjectError(f"no run {spec!r} in {logs_dir}: see `runs list`")
    shown = ", ".join(sorted(candidates)[:10]) + (" ..." if len(candidates) > 10 else "")
    raise ProjectError(f"run {spec!r} is ambiguous ({len(candidates)} runs): {shown}")


def is_run_name(name: str) -> bool:
    """A name a run folder may have (plain, not a reserved folder of logs/)."""
    return is_plain_name(name) and name not in NOT_RUNS


def _best_run(summaries: list[dict[str, Any]], logs_dir: Path, monitor: str) -> Path:
    finished = [
        s
        for s in summaries
        if s["status"] == "finished"
        and not s["debug"]
        and s["best"] is not None
        and s["best"]["metric"] == monitor
    ]
    if not finished:
        raise ProjectError(
            f"no finished run with a {monitor} in {logs_dir} (debug runs are skipped)"
        )
    pick = (min if monitor.endswith("loss") else max)(finished, key=lambda s: s["best"]["value"])
    return Path(pick["path"])


def _started(status: dict[str, Any], name: str) -> datetime | None:
    value = status.get("started_at")
    if isinstance(value, str):
        try:
            when = datetime.fromisoformat(value)
            return when if when.tzinfo else when.astimezone()
        except ValueError:
            pass
    if RUN_NAME.match(name):
        try:
            return datetime.strptime(name[:19], "%Y-%m-%d_%H-%M-%S").astimezone()
        except ValueError:
            return None
    return None


def _duration(status: dict[str, Any], started: datetime | None) -> float | None:
    """Seconds from start to end (to now while running); None if unknown (e.g. crashed)."""
    if started is None:
        return None
    if status.get("state") == "running":
        end = datetime.now().astimezone()
    else:
        try:
            end = datetime.fromisoformat(str(status.get("ended_at")))
        except ValueError:
            return None
        end = end if end.tzinfo else end.astimezone()
    seconds = (end - started).total_seconds()
    return seconds if seconds >= 0 else None


def _is_debug(status: dict[str, Any], run_dir: Path) -> bool:
    """As `folders.is_debug_run`, from the status already read."""
    if "debug" in status:
        return bool(status["debug"])
    return is_debug_run(run_dir)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
