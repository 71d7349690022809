"""Predict classes for image files or folders with a trained checkpoint and its stored config."""

import csv
import io
import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import torch
from torch.utils.data import DataLoader

from .build import build_model_for_data
from .config import make_config
from .datasets import ImageFolderDataset
from .datasets.image_folder import IMAGE_SUFFIXES
from .errors import ProjectError
from .utils.checkpoint import load_checkpoint_file
from .utils.device import resolve_device


@dataclass(frozen=True)
class Prediction:
    path: str
    label: str
    index: int
    probability: float


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
    state = load_checkpoint_file(Path(checkpoint))
    cfg = make_config(state["config"])
    classes: list[str] = state["classes"]
    target = resolve_device(device)
    model = build_model_for_data(cfg, len(classes))
    model.load_state_dict(state["model"])
    model.to(target).eval()
    paths = collect_images(inputs)
    dataset = ImageFolderDataset(
        [(path, -1) for path in paths],
        channels=cfg.data.channels,
        image_size=list(cfg.data.image_size),
        mean=cfg.data.mean,
        std=cfg.data.std,
    )
    predictions: list[Prediction] = []
    with torch.no_grad():
        for images, _ in DataLoader(dataset, batch_size=batch_size):
            probs = model(images.to(target)).softmax(dim=1).cpu()
            best, index = probs.max(dim=1)
            for p, i in zip(best.tolist(), index.tolist(), strict=True):
                path = paths[len(predictions)]
                predictions.append(Prediction(path.as_posix(), classes[i], i, round(p, 6)))
    return predictions


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
