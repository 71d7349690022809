"""The whole path a new user takes: generate, install, train, infer, test, check.

Runs the installed `dlscaffold` as a subprocess, installs the generated project into its own
virtualenv, and drives it only through the commands its README names.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.e2e_env import make_venv, pip_install_editable, run
from tests.helpers import git

pytestmark = pytest.mark.slow
RUN_FOLDER = re.compile(r"^\d{4}-\d\d-\d\d_\d\d-\d\d-\d\d_cnn-digits$")


def dlscaffold(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "dlscaffold", *args], cwd=cwd, capture_output=True, text=True
    )


def test_new_project_trains_infers_and_passes_its_own_tests(tmp_path: Path) -> None:
    created = dlscaffold("new", "demo", "--defaults", cwd=tmp_path)
    assert created.returncode == 0, created.stderr
    demo = tmp_path / "demo"
    assert git("status", "--porcelain", cwd=demo) == ""
    assert len(git("rev-list", "HEAD", cwd=demo).split()) == 1

    python = make_venv(tmp_path / "venv")
    pip_install_editable(python, demo)

    trained = run(python, "-m", "demo", "train", cwd=demo)
    assert trained.returncode == 0, trained.stderr[-3000:]
    runs = [p for p in (demo / "logs").iterdir() if p.is_dir() and not p.is_symlink()]
    assert len(runs) == 1 and RUN_FOLDER.match(runs[0].name), runs
    run_dir = runs[0]
    status = json.loads((run_dir / "status.json").read_text())
    assert status["state"] == "finished"
    assert status["metrics"]["val_acc"] >= 0.90
    assert list(run_dir.glob("events.out.tfevents.*")), "no TensorBoard events"
    config = yaml.safe_load((run_dir / "config.yaml").read_text())
    assert config["data"]["root"] == "data/digits"  # relative, as everywhere in configs
    snapshot = json.loads((run_dir / "snapshot.json").read_text())
    assert snapshot["git"]["dirty"] is False
    assert snapshot["data"]["digits"]["files"] == 1797
    checkpoints = demo / "models" / run_dir.name
    named = sorted(p.name for p in checkpoints.glob("epoch=*-val_acc=*.pt"))
    assert named and all(re.match(r"epoch=\d{3}-val_acc=0\.\d{4}\.pt$", n) for n in named)
    assert (checkpoints / "best.pt").exists() and (checkpoints / "last.pt").exists()

    samples = [next(iter(sorted((demo / "data/digits" / str(d)).iterdir()))) for d in range(10)]
    inferred = run(
        python, "-m", "demo", "infer", "--checkpoint", str(checkpoints / "best.pt"),
        "--format", "csv", *map(str, samples), cwd=demo,
    )  # fmt: skip
    assert inferred.returncode == 0, inferred.stderr[-3000:]
    rows = [line.split(",") for line in inferred.stdout.strip().splitlines()[1:]]
    correct = sum(row[1] == Path(row[0]).parent.name for row in rows)
    assert len(rows) == 10 and correct >= 8, inferred.stdout

    debug = run(python, "-m", "demo", "train", "--config", "configs/debug.yaml", cwd=demo)
    assert debug.returncode == 0, debug.stderr[-3000:]

    # All of them, slow ones included (multi-node torchrun, sweeps, Slurm's local executor).
    everything = ("-m", "pytest", "-q", "-p", "no:cacheprovider", "-n", "2")
    own_tests = run(python, *everything, cwd=demo, timeout=900)
    assert own_tests.returncode == 0, own_tests.stdout[-3000:]

    assert git("status", "--porcelain", cwd=demo) == "", "runs leaked into tracked files"
    checked = dlscaffold("check", cwd=demo)
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_generated_ci_check_passes_on_a_clone_without_data(tmp_path: Path) -> None:
    created = dlscaffold("new", "demo", "--defaults", cwd=tmp_path)
    assert created.returncode == 0, created.stderr
    workflow = (tmp_path / "demo/.github/workflows/ci.yml").read_text()
    command = re.search(r"^\s*dlscaffold check(.*)$", workflow, re.MULTILINE)
    assert command, "the generated CI workflow runs no dlscaffold check"
    clone = tmp_path / "ci" / "checkout"
    git("clone", "--quiet", str(tmp_path / "demo"), str(clone), cwd=tmp_path)
    assert not (clone / "data/digits").exists(), "a CI machine has no datasets"

    checked = dlscaffold("check", *command.group(1).split(), cwd=clone)

    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "data-missing-target" in checked.stdout  # reported, not failing

    hooks = yaml.safe_load((clone / ".pre-commit-config.yaml").read_text())
    entry = next(
        h["entry"] for r in hooks["repos"] for h in r["hooks"] if h["id"] == "dlscaffold-check"
    )
    program, *args = entry.split()
    assert program == "dlscaffold"
    hooked = dlscaffold(*args, cwd=clone)
    assert hooked.returncode == 0, hooked.stdout + hooked.stderr
