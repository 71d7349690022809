"""Images stored as `<root>/<class_name>/<file>.png`, read with Pillow (no torchvision needed)."""

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch
from PIL import Image, UnidentifiedImageError
from torch.utils.data import Dataset

from ..errors import DatasetNotFoundError, ImageReadError, require_dataset

IMAGE_SUFFIXES = (".png",)

Sample = tuple[Path, int]


def scan_image_folder(root: Path) -> tuple[list[str], list[Sample]]:
    """Return the sorted class names and (path, class index) samples under `root`.

    Hidden files and folders (starting with `.`) are skipped, so listings stay stable.
    """
    root = require_dataset(root)
    classes = sorted(p.name for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    samples = [
        (path, index)
        for index, name in enumerate(classes)
        for path in sorted((root / name).iterdir())
        if path.suffix.lower() in IMAGE_SUFFIXES and not path.name.startswith(".")
    ]
    if not samples:
        raise DatasetNotFoundError(
            f"no images found under {root}: expected {root}/<class_name>/<file>.png"
        )
    return classes, samples


def stratified_split(
    labels: Sequence[int], val_fraction: float, seed: int
) -> tuple[list[int], list[int]]:
    """Split indices into train/val keeping class proportions; same seed, same split."""
    if not 0.0 <= val_fraction < 1.0:
        raise ValueError(f"val_fraction must be in [0, 1), got {val_fraction}")
    generator = torch.Generator().manual_seed(seed)
    by_class: dict[int, list[int]] = {}
    for index, label in enumerate(labels):
        by_class.setdefault(label, []).append(index)
    train: list[int] = []
    val: list[int] = []
    for label in sorted(by_class):
        indices = by_class[label]
        order = torch.randperm(len(indices), generator=generator).tolist()
        n_val = round(len(indices) * val_fraction)
        val += [indices[i] for i in order[:n_val]]
        train += [indices[i] for i in order[n_val:]]
    return sorted(train), sorted(val)


def load_image(path: Path, *, channels: int, image_size: Sequence[int]) -> np.ndarray:
    """Read one image as a uint8 array of shape (channels, height, width).

    An unreadable file raises ImageReadError naming it (`inspect-data` lists all of them).
    """
    try:
        with Image.open(path) as image:
            image = image.convert("L" if channels == 1 else "RGB")
            height, width = image_size
            if image.size != (width, height):
                image = image.resize((width, height), Image.Resampling.BILINEAR)
            array = np.array(image, dtype=np.uint8)  # a writable copy
    except (UnidentifiedImageError, OSError, SyntaxError) as err:  # SyntaxError: broken PNG
        reason = str(err).splitlines()[0] if str(err) else type(err).__name__
        raise ImageReadError.for_file(path, reason) from None
    return array[None] if array.ndim == 2 else array.transpose(2, 0, 1)


class ImageFolderDataset(Dataset[tuple[torch.Tensor, int]]):
    """Classification samples as (normalized float image (C, H, W), class index)."""

    def __init__(
        self,
        samples: Sequence[Sample],
        *,
        channels: int = 1,
        image_size: Sequence[int] = (8, 8),
        mean: float = 0.5,
        std: float = 0.5,
        cache_in_memory: bool = False,
    ) -> None:
        self.samples = list(samples)
        self.channels = channels
        self.image_size = tuple(image_size)
        self.mean = mean
        self.std = std
        self._cache: dict[int, np.ndarray] | None = {} if cache_in_memory else None

    def __len__(self) -> int:
        return len(self.samples)

    def __getitem__(self, index: int) -> tuple[torch.Tensor, int]:
        path, label = self.samples[index]
        pixels = self._cache.get(index) if self._cache is not None else None
        if pixels is None:
            pixels = load_image(path, channels=self.channels, image_size=self.image_size)
            if self._cache is not None:
                self._cache[index] = pixels
        image = torch.from_numpy(pixels).float().div_(255.0)
        return (image - self.mean) / self.std, label
