"""Which files of a dataset folder are samples, of which class, in which split.

Two layouts are read:
- class folders `<root>/<class>/<file>`: one pool, split by `split_stratified`;
- ready-made splits `<root>/train/<class>/<file>`, `<root>/val/...` and optionally
  `<root>/test/...`: used as they are (a dataset whose root holds both `train/` and `val/`).

The files considered are those of the dataset manifest (`utils.data_manifest.list_files`, the
rule `dlscaffold data link|verify` and `inspect-data` use too), so the loader, the inspection
and the recorded fingerprint always agree on the file set.
"""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import torch

from ..errors import DatasetNotFoundError, require_dataset
from ..utils.data_manifest import list_files

# Pillow reads all of these; the suffix is matched case-insensitively.
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".webp", ".tif", ".tiff")
SPLITS = ("train", "val", "test")

Sample = tuple[Path, int]


@dataclass(frozen=True)
class DatasetFiles:
    """The samples of a dataset folder; `presplit` holds the folder's own splits, if any."""

    root: Path
    classes: list[str]
    samples: list[Sample]
    presplit: dict[str, list[Sample]] | None = None
    unused: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Split:
    """Sample indices of each split (sorted)."""

    train: list[int]
    val: list[int]
    test: list[int]


def scan_dataset(root: str | Path) -> DatasetFiles:
    """Find the classes and image files under `root` (either layout, see the module doc).

    Raises DatasetNotFoundError for a missing folder, one without images, or one with fewer
    than two classes (nothing to classify).
    """
    root = require_dataset(root)
    relpaths = [relpath for relpath, _ in list_files(root)]
    top = {relpath.split("/", 1)[0] for relpath in relpaths if "/" in relpath}
    presplit = {"train", "val"} <= top
    depth = 3 if presplit else 2
    by_class: dict[str, list[str]] = defaultdict(list)
    unused = []
    for relpath in relpaths:
        parts = relpath.split("/")
        usable = len(parts) == depth and Path(relpath).suffix.lower() in IMAGE_SUFFIXES
        if usable and (not presplit or parts[0] in SPLITS):
            by_class[parts[-2]].append(relpath)
        else:
            unused.append(relpath)
    classes = sorted(by_class)
    _require_classes(root, classes, presplit)
    index = {name: i for i, name in enumerate(classes)}
    skipped = set(unused)
    used = [rel for rel in relpaths if rel not in skipped]
    samples = [(root / rel, index[rel.split("/")[-2]]) for rel in used]
    splits = None
    if presplit:
        splits = {
            name: [
                sample
                for rel, sample in zip(used, samples, strict=True)
                if rel.startswith(name + "/")
            ]
            for name in SPLITS
        }
    return DatasetFiles(root, classes, samples, splits, unused)


def _require_classes(root: Path, classes: list[str], presplit: bool) -> None:
    layout = f"{root}/train/<class_name>/<file>" if presplit else f"{root}/<class_name>/<file>"
    kinds = ", ".join(IMAGE_SUFFIXES)
    if not classes:
        raise DatasetNotFoundError(f"no images found under {root}: expected {layout} ({kinds})")
    if len(classes) < 2:
        raise DatasetNotFoundError(
            f"dataset {root} has one class ('{classes[0]}'): a classifier needs at least two "
            f"class folders ({layout})"
        )


def scan_image_folder(root: str | Path) -> tuple[list[str], list[Sample]]:
    """The sorted class names and every (path, class index) sample under `root`."""
    found = scan_dataset(root)
    return found.classes, found.samples


def split_stratified(
    labels: Sequence[int], *, val_fraction: float, test_fraction: float = 0.0, seed: int = 0
) -> Split:
    """Split indices into train/val/test keeping class proportions; same seed, same split.

    Per class, `round(n * test_fraction)` samples go to test and `round(n * val_fraction)` to
    val, but at least one stays in train; with `test_fraction` 0 the test split is empty.
    """
    if not (0.0 <= val_fraction < 1.0 and 0.0 <= test_fraction < 1.0):
        raise ValueError(f"fractions must be in [0, 1), got {val_fraction}, {test_fraction}")
    if val_fraction + test_fraction >= 1.0:
        raise ValueError("val_fraction + test_fraction must be below 1")
    generator = torch.Generator().manual_seed(seed)
    by_class: dict[int, list[int]] = defaultdict(list)
    for index, label in enumerate(labels):
        by_class[label].append(index)
    train: list[int] = []
    val: list[int] = []
    test: list[int] = []
    for label in sorted(by_class):
        indices = by_class[label]
        order = [indices[i] for i in torch.randperm(len(indices), generator=generator).tolist()]
        n_test = min(round(len(indices) * test_fraction), len(indices) - 1)
        n_val = min(round(len(indices) * val_fraction), len(indices) - 1 - n_test)
        test += order[:n_test]
        val += order[n_test : n_test + n_val]
        train += order[n_test + n_val :]
    return Split(sorted(train), sorted(val), sorted(test))


def stratified_split(
    labels: Sequence[int], val_fraction: float, seed: int
) -> tuple[list[int], list[int]]:
    """Train/val indices only (no test split); see `split_stratified`."""
    split = split_stratified(labels, val_fraction=val_fraction, seed=seed)
    return split.train, split.val


def split_samples(
    files: DatasetFiles, *, val_fraction: float, test_fraction: float, seed: int
) -> dict[str, list[Sample]]:
    """`train`, `val` and `test` samples: the folder's own splits, else a stratified split.

    `test` is empty only when the folder has no `test/` or `test_fraction` is 0.
    """
    if files.presplit is not None:
        return files.presplit
    split = split_stratified(
        [label for _, label in files.samples],
        val_fraction=val_fraction,
        test_fraction=test_fraction,
        seed=seed,
    )
    return {name: [files.samples[i] for i in getattr(split, name)] for name in SPLITS}
