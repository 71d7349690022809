"""A short Optuna sweep in a freshly generated project, driven the way its README says.

Generates a project with `dlscaffold new`, installs it into its own virtualenv (with the
`sweep` extra's Optuna from the test environment) and runs `python -m demo sweep` on the
shipped example sweep file, cut down to two tiny trials.
"""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e_env import make_venv, pip_install_editable, run
from tests.helpers import git

pytestmark = pytest.mark.slow


def test_example_sweep_runs_two_trials_in_a_new_project(tmp_path: Path) -> None:
    created = subprocess.run(
        [sys.executable, "-m", "dlscaffold", "new", "demo", "--defaults"],
        cwd=tmp_path, capture_output=True, text=True,
    )  # fmt: skip
    assert created.returncode == 0, created.stderr
    demo = tmp_path / "demo"
    python = make_venv(tmp_path / "venv")
    pip_install_editable(python, demo)

    swept = run(
        python, "-m", "demo", "sweep", "configs/sweeps/example.yaml", "--trials", "2",
        "trainer.epochs=1", "trainer.limit_train_batches=2", "trainer.limit_val_batches=1",
        "trainer.progress=false", cwd=demo,
    )  # fmt: skip
    assert swept.returncode == 0, swept.stderr[-3000:]

    (sweep_dir,) = [p for p in (demo / "logs" / "sweeps").iterdir() if p.is_dir()]
    assert sweep_dir.name.endswith("_example")
    assert (sweep_dir / "study.db").is_file()
    with (sweep_dir / "trials.csv").open() as handle:
        trials = list(csv.DictReader(handle))
    assert [t["state"] for t in trials] == ["complete", "complete"]
    assert all(0.0 <= float(t["value"]) <= 1.0 for t in trials)
    assert {"optimizer.lr", "model"} <= set(trials[0])
    for trial in trials:
        run_dir = demo / "logs" / trial["run"]
        assert run_dir.name.endswith(f"_trial-{trial['trial']}")
        status = json.loads((run_dir / "status.json").read_text())
        assert status["state"] == "finished"
        assert (status["sweep"], status["trial"]) == (sweep_dir.name, int(trial["trial"]))
        assert (demo / "models" / run_dir.name / "best.pt").exists()
    assert "Best: trial" in (sweep_dir / "summary.md").read_text()
    assert (sweep_dir / "history.png").is_file()
    assert "best: trial" in swept.stderr

    assert git("status", "--porcelain", cwd=demo) == "", "the sweep leaked into tracked files"
