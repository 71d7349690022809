"""Predict classes for image files or folders with a trained checkpoint and its stored config."""

import csv
import io
import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import torch
from omegaconf import DictConfig
from torch import nn
from torch.utils.data import DataLoader, Dataset

from .build import build_image_dataset, build_model_for_data
from .config import make_config
from .datasets import ImageFolderDataset
from .datasets.image_folder import IMAGE_SUFFIXES
from .errors import CheckpointError, ConfigError, ImageReadError, ProjectError
from .runs.checkpoint import checked_state, load_weights, run_name_of
from .utils.console import warn
from .utils.device import resolve_device


@dataclass(frozen=True)
class Prediction:
    path: str
    label: str
    index: int
    probability: float


@dataclass(frozen=True)
class LoadedModel:
    """A model rebuilt from a checkpoint's own config, with what the checkpoint recorded."""

    model: nn.Module
    config: DictConfig
    classes: list[str]
    run: str
    epoch: int | None
    path: Path


def load_model(checkpoint: Path, device: torch.device | str = "cpu") -> LoadedModel:
    """Rebuild the checkpoint's network from its stored config and load its weights (eval mode).

    Everything read from the checkpoint is checked first: a damaged, foreign or mismatched
    file is one CheckpointError, never a traceback.
    """
    state = checked_state(checkpoint)
    cfg = config_of(state, checkpoint)
    model = build_model_for_data(cfg, len(state["classes"]), load_weights=False)
    load_weights(model, state["model"], checkpoint)
    epoch = state.get("epoch")
    return LoadedModel(
        model=model.to(device).eval(),
        config=cfg,
        classes=list(state["classes"]),
        run=run_name_of(state, checkpoint),
        epoch=epoch if isinstance(epoch, int) and not isinstance(epoch, bool) else None,
        path=Path(checkpoint),
    )


def config_of(state: dict[str, Any], checkpoint: Path, overrides: Sequence[str] = ()) -> DictConfig:
    """The config stored in a checkpoint, validated like any config (plus `overrides`)."""
    try:
        return make_config(state["config"], overrides)
    except ConfigError as err:
        raise CheckpointError(f"{checkpoint} holds a config this project rejects: {err}") from None


def collect_images(inputs: Sequence[str | Path]) -> list[Path]:
    """Image files given directly, plus every image below each given folder (sorted)."""
    found: list[Path] = []
    for item in map(Path, inputs):
        if item.is_dir():
            found += sorted(p for p in item.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES)
        elif item.is_file():
            found.append(item)
        else:
            raise ProjectError(f"input not found: {item}")
    if not found:
        raise ProjectError("no images found in the given inputs")
    return found


def predict(
    checkpoint: str | Path,
    inputs: Sequence[str | Path],
    *,
    batch_size: int = 256,
    device: str = "auto",
) -> list[Prediction]:
    """Run the checkpoint's model over the images; preprocessing follows its stored config."""
    target = resolve_device(device)
    loaded = load_model(Path(checkpoint), target)
    cfg, classes, model = loaded.config, loaded.classes, loaded.model
    paths = collect_images(inputs)
    # What validation saw: the config's channels and eval pipeline; never the cache.
    data = cfg.data.copy()
    data.cache_in_memory = False
    dataset = build_image_dataset(data, [(path, -1) for path in paths])
    readable = _SkipUnreadable(dataset)
    predictions: list[Prediction] = []
    loader = DataLoader(readable, batch_size=batch_size, collate_fn=_collate_readable)
    with torch.no_grad():
        for images, positions in loader:
            if images is None:
                continue
            probs = model(images.to(target)).softmax(dim=1).cpu()
            best, index = probs.max(dim=1)
            for pos, p, i in zip(positions, best.tolist(), index.tolist(), strict=True):
                predictions.append(Prediction(paths[pos].as_posix(), classes[i], i, round(p, 6)))
    if not predictions:
        raise ProjectError(f"no readable image among the {len(paths)} input file(s)")
    return predictions


class _SkipUnreadable(Dataset[tuple[torch.Tensor | None, int]]):
    """(image, position), or (None, position) with a warning for a file Pillow cannot read."""

    def __init__(self, dataset: ImageFolderDataset) -> None:
        self.dataset = dataset

    def __len__(self) -> int:
        return len(self.dataset)

    def __getitem__(self, index: int) -> tuple[torch.Tensor | None, int]:
        try:
            return self.dataset[index][0], index
        except ImageReadError as err:
            warn(f"skipped {err.path}: not a readable image ({err.reason})")
            return None, index


def _collate_readable(
    items: list[tuple[torch.Tensor | None, int]],
) -> tuple[torch.Tensor | None, list[int]]:
    kept = [(image, pos) for image, pos in items if image is not None]
    if not kept:
        return None, []
    return torch.stack([image for image, _ in kept]), [pos for _, pos in kept]


def format_predictions(predictions: Sequence[Prediction], fmt: str) -> str:
    """Render as `table` (tab-separated), `csv` or `json`."""
    rows = [asdict(p) for p in predictions]
    if fmt == "json":
        return json.dumps(rows, indent=2) + "\n"
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        return buffer.getvalue()
    return "".join(f"{p.path}\t{p.label}\t{p.probability:.4f}\n" for p in predictions)
