"""Shared helpers of the benchmark scripts: timing commands and writing results."""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import time
from collections.abc import Callable, Sequence
from pathlib import Path

RESULTS_DIR = Path(__file__).parent / "results"


def time_command(argv: Sequence[str], *, repeat: int, cwd: Path | None = None,
                 env: dict[str, str] | None = None, setup: Callable[[int], None] | None = None,
                 ) -> float:  # fmt: skip
    """Return the median wall time of `argv` over `repeat` runs (setup(i) runs untimed)."""
    times = []
    for i in range(repeat):
        if setup:
            setup(i)
        start = time.perf_counter()
        subprocess.run(argv, cwd=cwd, env=env, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def time_in_turns(
    commands: dict[str, Sequence[str]], *, repeat: int, cwd: Path | None = None,
    env: dict[str, str] | None = None, setup: Callable[[int], None] | None = None,
) -> dict[str, float]:  # fmt: skip
    """Median wall time of each command, run in turns (a, b, a, b, ...) so that a load that
    comes and goes on a shared machine weighs on all of them alike."""
    times: dict[str, list[float]] = {name: [] for name in commands}
    for i in range(repeat):
        for name, argv in commands.items():
            if setup:
                setup(i)
            start = time.perf_counter()
            subprocess.run(argv, cwd=cwd, env=env, check=True, capture_output=True)
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(values) for name, values in times.items()}


def machine() -> dict[str, object]:
    """Describe where the figures were measured."""
    return {
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "system": platform.system(),
    }


def write_results(name: str, rows: list[dict[str, object]], **extra: object) -> Path:
    """Write `results/<name>.json`: rows of {metric, value, unit, target, ok} plus context."""
    RESULTS_DIR.mkdir(exist_ok=True)
    path = RESULTS_DIR / f"{name}.json"
    payload = {"benchmark": name, "machine": machine(), "rows": rows, **extra}
    path.write_text(json.dumps(payload, indent=2) + "\n")
    print(markdown_table(rows))
    return path


def cell_text(value: object) -> str:
    """Format a table cell: floats to 3 significant digits, pipes escaped."""
    text = f"{value:.3g}" if isinstance(value, float) else str(value)
    return text.replace("|", "\\|")


def markdown_table(rows: list[dict[str, object]]) -> str:
    """Format result rows as a markdown table."""
    lines = ["| metric | value | target | ok |", "|---|---|---|---|"]
    for row in rows:
        value = row["value"]
        shown = f"{value:.3g} {row.get('unit', '')}".strip() if isinstance(value, float) else value
        ok = {True: "yes", False: "**no**", None: ""}[row.get("ok")]
        cells = (row["metric"], shown, row.get("target", ""), ok)
        lines.append("| " + " | ".join(cell_text(c) for c in cells) + " |")
    return "\n".join(lines)
