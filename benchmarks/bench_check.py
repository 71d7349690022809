"""Benchmark `dlscaffold check` on a generated 44-file project (target: under 0.5 s).

Times, as fresh processes (median of REPEATS): a check with a cold render cache (as on a
fresh CI machine that never ran `dlscaffold update`), a warm one, one without the drift
check, and the in-process `check_project` call without interpreter start-up.

Run: `python benchmarks/bench_check.py`; writes benchmarks/results/check.json and prints a
markdown table.
"""

from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_update import REPEATS, build_template, environment, make_project, report

ROOT = Path(__file__).resolve().parents[1]


def run_check(project: Path, env: dict[str, str], *extra: str) -> float:
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "dlscaffold", "check", str(project), "--fail-on", "none", *extra],
        env=env,
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        raise RuntimeError(f"check failed ({proc.returncode}): {proc.stderr}")
    return seconds


def in_process(project: Path, env: dict[str, str]) -> float:
    code = (
        "import sys, time, statistics; from dlscaffold._check import check_project; "
        "check_project(sys.argv[1]); t = []\n"
        "for _ in range(5):\n"
        "    s = time.perf_counter(); check_project(sys.argv[1])\n"
        "    t.append(time.perf_counter() - s)\n"
        "print(statistics.median(t))"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code, str(project)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return float(proc.stdout.strip())


def main() -> None:
    """Run the benchmark, write results/check.json and print a markdown table."""
    with tempfile.TemporaryDirectory(prefix="dlscaffold-bench-") as tmp_name:
        tmp = Path(tmp_name)
        env = environment(tmp)
        template = build_template(tmp / "template", versions=2, packed=True)
        project = make_project(template, tmp / "proj", env)
        cache = tmp / ".cache" / "dlscaffold"
        cold = []
        for _ in range(REPEATS):
            shutil.rmtree(cache, ignore_errors=True)
            cold.append(run_check(project, env))
        warm = [run_check(project, env) for _ in range(REPEATS)]
        no_drift = [run_check(project, env, "--no-drift") for _ in range(REPEATS)]
        rows = [
            {
                "case": "cold render cache (process)",
                "tool": "dlscaffold",
                "s": statistics.median(cold),
            },
            {
                "case": "warm render cache (process)",
                "tool": "dlscaffold",
                "s": statistics.median(warm),
            },
            {
                "case": "--no-drift (process)",
                "tool": "dlscaffold",
                "s": statistics.median(no_drift),
            },
            {
                "case": "warm, in-process check_project",
                "tool": "dlscaffold",
                "s": in_process(project, env),
            },
        ]
    report(rows, "check")


if __name__ == "__main__":
    main()
