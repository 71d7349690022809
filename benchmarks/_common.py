"""Shared helpers of the benchmark scripts: timing commands and writing results."""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
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


def make_images(root: Path, n: int, *, classes: int, size: int) -> None:
    """`n` learnable `size`x`size` grayscale PNGs in `classes` class folders: a fixed random
    prototype per class plus noise (deterministic)."""
    import numpy as np
    from PIL import Image

    rng = np.random.default_rng(0)
    prototypes = rng.integers(0, 256, size=(classes, size, size)).astype(np.float32)
    for index in range(n):
        label = index % classes
        noise = rng.normal(0, 60, (size, size))
        pixels = np.clip(0.6 * prototypes[label] + noise + 50, 0, 255).astype(np.uint8)
        folder = root / f"class_{label}"
        folder.mkdir(parents=True, exist_ok=True)
        Image.fromarray(pixels, "L").save(folder / f"{index:05d}.png")


def render_project(template: Path, dest: Path) -> Path:
    """Render `template` into `dest/demo` and commit it (the snapshot records the commit)."""
    project = dest / "demo"
    copier = [str(Path(sys.executable).parent / "copier"), "copy", "--quiet", "--defaults",
              "--trust", "-d", "project_name=demo", str(template), str(project)]  # fmt: skip
    subprocess.run(copier, check=True, capture_output=True)
    git = ["git", "-c", "user.name=bench", "-c", "user.email=bench@example.invalid"]
    for command in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "generated"]):
        subprocess.run([*git, *command], cwd=project, check=True, capture_output=True)
    return project
