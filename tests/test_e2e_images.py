"""A user's own photo folder, end to end: link, inspect, train with overrides only, evaluate
on the held-out test split, infer.

The test makes a few hundred RGB JPEGs in three classes the way real folders come: different
sizes, some grayscale, one photo stored sideways with an EXIF orientation, one truncated file.
Classes differ by stripe direction (horizontal, vertical, diagonal), so the EXIF-rotated photo
is only classified right when its orientation is applied.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tests.e2e_env import make_venv, pip_install_editable, run

pytestmark = pytest.mark.slow
CLASSES = ("horizontal", "vertical", "diagonal")
PER_CLASS = 100
ORIENTATION = 0x0112  # EXIF tag; 6 = rotate 90 degrees clockwise to display


def dlscaffold(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "dlscaffold", *args], cwd=cwd, capture_output=True, text=True
    )


def stripes(kind: str, height: int, width: int, rng: np.random.Generator) -> np.ndarray:
    """A (height, width, 3) uint8 image of stripes in a random colour on a dark background."""
    rows, cols = np.mgrid[0:height, 0:width]
    period = max(4, min(height, width) // 5)
    position = {"horizontal": rows, "vertical": cols, "diagonal": rows + cols}[kind]
    on = (position // (period // 2)) % 2 == 0
    colour = rng.integers(120, 256, size=3)
    pixels = rng.integers(0, 40, size=(height, width, 3))
    pixels[on] = colour
    return pixels.astype(np.uint8)


def write_photos(root: Path) -> tuple[Path, Path]:
    """The dataset; returns the EXIF-rotated photo and the truncated file."""
    rng = np.random.default_rng(0)
    for label, kind in enumerate(CLASSES):
        (root / kind).mkdir(parents=True)
        for index in range(PER_CLASS):
            height, width = (int(v) for v in rng.integers(24, 72, size=2))
            image = Image.fromarray(stripes(kind, height, width, rng))
            if index % 5 == label:  # some grayscale JPEGs in every class
                image = image.convert("L")
            image.save(root / kind / f"{index:03d}.jpg", quality=90)
    # A camera held sideways: the buffer shows vertical stripes, the EXIF says "rotate 90".
    rotated = root / "horizontal" / "rotated.jpg"
    exif = Image.Exif()
    exif[ORIENTATION] = 6
    upright = Image.fromarray(stripes("horizontal", 48, 64, rng))
    upright.transpose(Image.Transpose.ROTATE_90).save(rotated, exif=exif, quality=95)
    with Image.open(rotated) as check:  # stored sideways indeed
        assert check.size == (48, 64) and check.getexif()[ORIENTATION] == 6
    buffer = io.BytesIO()
    Image.fromarray(stripes("vertical", 64, 64, rng)).save(buffer, format="JPEG")
    truncated = root / "vertical" / "truncated.jpg"
    truncated.write_bytes(buffer.getvalue()[: len(buffer.getvalue()) // 2])
    return rotated, truncated


def test_a_folder_of_jpegs_trains_with_overrides_only(tmp_path: Path) -> None:
    rotated, truncated = write_photos(tmp_path / "raw" / "pets")
    created = dlscaffold(
        "new", "pets-lab", "--defaults", "--data", "dataset_name=pets", cwd=tmp_path
    )
    assert created.returncode == 0, created.stderr
    project = tmp_path / "pets-lab"
    assert not (project / "data" / "pets").exists(), "no example posing as the user's data"
    linked = dlscaffold("data", "link", "pets", "../raw/pets", cwd=project)
    assert linked.returncode == 0, linked.stderr
    python = make_venv(tmp_path / "venv")
    pip_install_editable(python, project)
    overrides = ["data.channels=3", "data.image_size=[32,32]", "trainer.progress=false"]
    relpath = truncated.relative_to(tmp_path / "raw").as_posix()  # pets/vertical/truncated.jpg

    inspected = run(python, "-m", "pets_lab", "inspect-data", *overrides, cwd=project)
    assert inspected.returncode == 0, inspected.stderr[-3000:]
    summary_path = next((project / "logs").glob("*_inspect-pets/summary.json"))
    summary = json.loads(summary_path.read_text())
    assert summary["corrupt"] == ["vertical/truncated.jpg"]
    assert sum(summary["train_counts"].values()) == 212  # 0.7 of 302 files, per class
    assert sum(summary["test_counts"].values()) == 30

    strict = run(python, "-m", "pets_lab", "train", *overrides, "trainer.epochs=1", cwd=project)
    assert strict.returncode == 1
    errors = [line for line in strict.stderr.splitlines() if "cannot read image" in line]
    assert len(errors) == 1 and relpath in errors[0], strict.stderr[-3000:]
    assert "Traceback" not in strict.stderr

    trained = run(
        python, "-m", "pets_lab", "train", *overrides, "data.batch_size=16", "trainer.epochs=8",
        "data.on_unreadable=skip", cwd=project,
    )  # fmt: skip
    assert trained.returncode == 0, trained.stderr[-3000:]
    warnings = [line for line in trained.stderr.splitlines() if "skipped" in line]
    assert warnings and all(relpath in line for line in warnings), trained.stderr[-3000:]
    states = {
        run_dir: json.loads((run_dir / "status.json").read_text())
        for run_dir in (project / "logs").glob("*_cnn-pets")
    }
    assert sorted(s["state"] for s in states.values()) == ["failed", "finished"], states
    run_dir, status = next((d, s) for d, s in states.items() if s["state"] == "finished")
    assert status["metrics"]["val_acc"] >= 0.9, status

    best = project / "models" / run_dir.name / "best.pt"
    inputs = [rotated, *(tmp_path / "raw" / "pets" / kind / "001.jpg" for kind in CLASSES)]
    inferred = run(
        python, "-m", "pets_lab", "infer", "--checkpoint", str(best), "--format", "json",
        *map(str, inputs), cwd=project,
    )  # fmt: skip
    assert inferred.returncode == 0, inferred.stderr[-3000:]
    labels = [p["label"] for p in json.loads(inferred.stdout)]
    assert labels == ["horizontal", *CLASSES], labels  # the rotated photo: EXIF applied

    # Every run ends with the per-class view of its best checkpoint on the validation split.
    assert (run_dir / "eval" / "val" / "metrics.json").is_file()
    evaluated = run(python, "-m", "pets_lab", "evaluate", cwd=project)  # best, test split
    assert evaluated.returncode == 0, evaluated.stderr[-3000:]
    eval_dir = run_dir / "eval" / "test"
    metrics = json.loads((eval_dir / "metrics.json").read_text())
    # 30 test files, less the truncated one if the split put it there (skipped, as configured)
    assert metrics["samples"] in (29, 30) and set(metrics["per_class"]) == set(CLASSES), metrics
    assert metrics["accuracy"] >= 0.8, metrics
    rows = (eval_dir / "predictions.csv").read_text().splitlines()
    assert len(rows) == 1 + metrics["samples"]
    for figure in ("confusion_matrix.png", "mistakes.png"):
        with Image.open(eval_dir / figure) as image:
            image.verify()  # a real PNG, readable
            assert image.format == "PNG"
    assert "accuracy" in (eval_dir / "report.md").read_text().lower()
