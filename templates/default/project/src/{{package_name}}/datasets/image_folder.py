"""A classification dataset over image files: Pillow decodes, a config pipeline transforms."""

from collections.abc import Sequence
from pathlib import Path
from typing import Literal

import torch
from torch.utils.data import Dataset

from ..errors import ConfigError, ImageReadError
from ..utils.console import warn
from .images import DEFAULT_MAX_PIXELS, load_image
from .scan import IMAGE_SUFFIXES, Sample
from .transforms import Pipeline, build_pipeline, default_pipeline

__all__ = ["IMAGE_SUFFIXES", "ImageFolderDataset"]


class ImageFolderDataset(Dataset[tuple[torch.Tensor, int]]):
    """Samples as (float image (C, H, W), class index).

    `transform` is the pipeline (see `transforms.py`); without one, images are resized to
    `image_size` and normalized with `mean`/`std`. Every output must be `image_size`: a
    pipeline ending at another size is a ConfigError naming `transform_key`.
    `cache_in_memory` keeps each decoded image after the pipeline's deterministic head (e.g. a
    resize), so random augmentation still differs per epoch.
    `on_unreadable="skip"` warns once per file and serves the next readable sample instead.
    """

    def __init__(
        self,
        samples: Sequence[Sample],
        *,
        channels: int = 1,
        image_size: Sequence[int] = (8, 8),
        mean: float = 0.5,
        std: float = 0.5,
        cache_in_memory: bool = False,
        transform: Pipeline | None = None,
        transform_key: str = "data.transforms",
        on_unreadable: Literal["error", "skip"] = "error",
        max_pixels: int = DEFAULT_MAX_PIXELS,
    ) -> None:
        self.samples = list(samples)
        self.channels = channels
        self.image_size = (int(image_size[0]), int(image_size[1]))
        self.transform = transform or build_pipeline(
            default_pipeline(image_size, mean, std), key=transform_key
        )
        self.transform_key = transform_key
        self.on_unreadable = on_unreadable
        self.max_pixels = max_pixels
        self._cache: dict[int, torch.Tensor] | None = {} if cache_in_memory else None
        self._skipped: set[int] = set()

    def __len__(self) -> int:
        return len(self.samples)

    def __getitem__(self, index: int) -> tuple[torch.Tensor, int]:
        for offset in range(len(self.samples)):
            position = (index + offset) % len(self.samples)
            if position in self._skipped:
                continue
            try:
                pixels = self._prepared(position)
            except ImageReadError as err:
                if self.on_unreadable == "error":
                    raise
                self._skipped.add(position)
                warn(f"skipped {err.path}: {err.reason} (data.on_unreadable=skip)")
                continue
            return self._finish(pixels), self.samples[position][1]
        raise ImageReadError(f"no readable image among the {len(self.samples)} samples")

    def _prepared(self, index: int) -> torch.Tensor:
        cached = self._cache.get(index) if self._cache is not None else None
        if cached is not None:
            return cached
        path = self.samples[index][0]
        array = load_image(
            Path(path),
            channels=self.channels,
            image_size=self.transform.leading_size,
            max_pixels=self.max_pixels,
        )
        pixels = self.transform.prepare(torch.from_numpy(array))
        if self._cache is not None:
            self._cache[index] = pixels
        return pixels

    def _finish(self, pixels: torch.Tensor) -> torch.Tensor:
        image = self.transform.finish(pixels)
        if tuple(image.shape) != (self.channels, *self.image_size):
            height, width = self.image_size
            raise ConfigError(
                f"'{self.transform_key}' gives images of shape {tuple(image.shape)}, but the "
                f"network expects ({self.channels}, {height}, {width}) (data.channels, "
                "data.image_size): end the pipeline with a resize or crop to data.image_size"
            )
        return image
