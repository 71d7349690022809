"""The example dataset a new project trains on without any network: handwritten digits.

The 1,797 8x8 digits that scikit-learn ships (vendored as `example_data/digits.csv.gz`) are
written once per user as a PNG image folder `<digit>/<index>.png`, outside any project,
and each new project links them into `data/` like any other raw dataset.
"""

from __future__ import annotations

import csv
import gzip
import os
import shlex
import shutil
from pathlib import Path

from dlscaffold._fs import make_staging_dir
from dlscaffold.errors import UserError

EXAMPLE_DATASETS_HOME = "~/.local/share/dlscaffold/datasets"
# The example's own name: it is linked as `data/digits`, and only into a project whose config
# trains on `digits` (never under another name a user chose for their own data).
EXAMPLE_DATASET_NAME = "digits"
DIGITS_CSV = Path(__file__).parent / "example_data" / "digits.csv.gz"
DIGITS_CLASSES = 10
DIGITS_FILES = 1797


def example_datasets_home() -> Path:
    """Return the per-user folder holding example datasets (`$DLSCAFFOLD_DATASETS` wins)."""
    return Path(os.environ.get("DLSCAFFOLD_DATASETS") or EXAMPLE_DATASETS_HOME).expanduser()


def ensure_digits() -> Path:
    """Return the digits image folder, writing it first if this user does not have it yet.

    The folder appears atomically (written beside, then renamed), so an interrupted first
    write never leaves a partial dataset behind for later projects. An existing folder is
    checked cheaply (10 class folders, 1,797 files; no file is opened) so that a damaged
    copy is never recorded as a new project's reference.

    Raises:
        UserError: The folder exists but is damaged. It is never repaired here: other
            projects may link it, and it is read-only; the message says how to remove it.
    """
    root = example_datasets_home() / EXAMPLE_DATASET_NAME
    if root.is_dir():
        _check_digits(root)
        return root
    root.parent.mkdir(parents=True, exist_ok=True)
    made: list[Path] = []  # the staging folder, from the moment it exists
    try:
        staging = make_staging_dir(root.parent, prefix=".digits.", made=made)
        _write_digits(staging)
        os.replace(staging, root)
    except OSError:
        if not root.is_dir():  # a concurrent `new` may have won the race: that is fine
            raise
    finally:
        for folder in made:
            shutil.rmtree(folder, ignore_errors=True)
    return root


def _check_digits(root: Path) -> None:
    """Raise `UserError` unless `root` holds the 10 class folders and 1,797 files."""
    classes = files = 0
    try:
        for label in range(DIGITS_CLASSES):
            folder = root / str(label)
            if folder.is_dir():
                classes += 1
                with os.scandir(folder) as entries:
                    files += sum(1 for e in entries if e.is_file() and not e.name.startswith("."))
    except OSError as error:
        raise UserError(f"Cannot read the example dataset {root}: {error.strerror}.") from error
    if (classes, files) != (DIGITS_CLASSES, DIGITS_FILES):
        quoted = shlex.quote(str(root))
        raise UserError(
            f"The example dataset {root} is damaged ({files} files in {classes} class "
            f"folders; {DIGITS_FILES} in {DIGITS_CLASSES} expected). It is read-only: remove "
            f"it with 'chmod -R u+w {quoted} && rm -rf {quoted}', and the next project "
            "writes it afresh."
        )


def _write_digits(folder: Path) -> None:
    from PIL import Image

    with gzip.open(DIGITS_CSV, "rt", encoding="ascii") as handle:
        rows = [list(map(int, row)) for row in csv.reader(handle)]
    for label in range(10):
        (folder / str(label)).mkdir()
    for index, row in enumerate(rows):
        pixels = bytes(value * 255 // 16 for value in row[:64])
        Image.frombytes("L", (8, 8), pixels).save(folder / str(row[64]) / f"{index:04d}.png")
