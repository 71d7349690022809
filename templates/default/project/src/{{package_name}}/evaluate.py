"""Held-out evaluation and error analysis of a checkpoint on one split of its dataset.

Writes `metrics.json`, `confusion_matrix.png`, `mistakes.png`, `predictions.csv` and
`report.md` into `logs/<run>/eval/<split>/`, and the same figures and numbers to the run's
TensorBoard events (when its `logger:` has tensorboard). Works on any `Dataset` of (image
tensor, class index); the class names come from the checkpoint.
"""

import csv
import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from omegaconf import DictConfig
from PIL import Image
from torch import nn
from torch.utils.data import DataLoader, Dataset, Subset

from .build import build_datasets
from .errors import CheckpointError, ProjectError
from .infer import LoadedModel, load_model
from .runs.loggers.tensorboard import log_evaluation
from .utils.device import resolve_device
from .utils.figures import confusion_figure, mistakes_figure, render
from .utils.files import atomic_write_text, tmp_sibling
from .utils.metrics import classification_metrics, confusion_matrix, top_confusions

MISTAKES_SHOWN = 24


@dataclass(frozen=True)
class EvaluationResult:
    out_dir: Path
    metrics: dict[str, Any]


def evaluate_run(
    checkpoint: Path,
    *,
    split: str,
    logs_dir: Path,
    output: Path | None = None,
    device: str = "auto",
    batch_size: int = 256,
) -> EvaluationResult:
    """`evaluate`: the checkpoint on `split` of the data it was trained on (its stored config).

    Results go to `<logs_dir>/<run>/eval/<split>/` (the run named in the checkpoint, checked to
    be a plain folder name) or to `output`; TensorBoard events to the run folder if it exists
    and its config's `logger:` names tensorboard.
    """
    target = resolve_device(device)
    loaded = load_model(checkpoint, target)
    dataset, classes = split_dataset(loaded.config, split)
    if classes != loaded.classes:
        raise CheckpointError(
            f"{checkpoint} was trained on {len(loaded.classes)} classes, "
            f"{loaded.config.data.root} has {len(classes)} different ones: evaluate on its data"
        )
    run_dir = logs_dir / loaded.run
    if output is None and not run_dir.is_dir():
        raise ProjectError(
            f"run folder {run_dir} (named in {checkpoint}) not found: pass --output DIR"
        )
    return evaluate_model(
        loaded,
        dataset,
        split=split,
        out_dir=output or run_dir / "eval" / split,
        events_dir=run_dir if run_dir.is_dir() and _logs_to_tensorboard(loaded.config) else None,
        device=target,
        batch_size=batch_size,
        num_workers=loaded.config.data.num_workers,
    )


def _logs_to_tensorboard(cfg: DictConfig) -> bool:
    """Whether the run's config writes TensorBoard events (checkpoints from before `logger:`
    always did)."""
    return "tensorboard" in cfg.get("logger", ["tensorboard"])


def split_dataset(cfg: DictConfig, split: str) -> tuple[Dataset, list[str]]:
    """The `split` part of the dataset a config describes (as `build_datasets` splits it)."""
    *parts, classes = build_datasets(cfg.data)
    named = dict(zip(("train", "val", "test"), parts, strict=False))
    dataset = named.get(split)
    if dataset is None or len(dataset) == 0:
        hint = "evaluate with --split val" if split == "test" else "check data.val_fraction"
        raise ProjectError(f"dataset {cfg.data.root} has no {split} split: {hint}")
    return dataset, list(classes)


def evaluate_model(
    loaded: LoadedModel,
    dataset: Dataset,
    *,
    split: str,
    out_dir: Path,
    events_dir: Path | None,
    device: torch.device | str = "cpu",
    batch_size: int = 256,
    max_batches: int = 0,
    num_workers: int = 0,
) -> EvaluationResult:
    """Predict every sample of `dataset` with a loaded model and write the evaluation files."""
    probs, targets = predict_all(
        loaded.model, dataset, device=device, batch_size=batch_size, max_batches=max_batches,
        num_workers=num_workers,
    )  # fmt: skip
    if len(targets) and int(targets.max()) >= len(loaded.classes):
        raise CheckpointError(
            f"{loaded.path} knows {len(loaded.classes)} classes, the {split} data has more: "
            "evaluate on the data it was trained on"
        )
    metrics = write_evaluation(
        probs, targets, dataset, loaded, split=split, out_dir=out_dir, events_dir=events_dir
    )
    return EvaluationResult(out_dir, metrics)


@torch.no_grad()
def predict_all(
    model: nn.Module,
    dataset: Dataset,
    *,
    device: torch.device | str = "cpu",
    batch_size: int = 256,
    max_batches: int = 0,
    num_workers: int = 0,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Softmax probabilities (N, classes) and targets (N,) over `dataset` in order."""
    loader = DataLoader(dataset, batch_size=batch_size, shuffle=False, num_workers=num_workers)
    probs, targets = [], []
    for index, (images, labels) in enumerate(loader):
        if 0 < max_batches <= index:
            break
        probs.append(model(images.to(device)).float().softmax(dim=1).cpu())
        targets.append(torch.as_tensor(labels))
    if not probs:
        raise ProjectError("nothing to evaluate: the split is empty")
    return torch.cat(probs), torch.cat(targets).long()


def write_evaluation(
    probs: torch.Tensor,
    targets: torch.Tensor,
    dataset: Dataset,
    loaded: LoadedModel,
    *,
    split: str,
    out_dir: Path,
    events_dir: Path | None,
) -> dict[str, Any]:
    """Metrics, figures, predictions and a report for these predictions; returns the metrics."""
    classes = loaded.classes
    confidence, predicted = probs.max(dim=1)
    confusion = confusion_matrix(targets.numpy(), predicted.numpy(), len(classes))
    metrics = {
        "run": loaded.run,
        "checkpoint": loaded.path.as_posix(),
        "epoch": loaded.epoch,
        "split": split,
        "classes": classes,
        **classification_metrics(confusion, classes),
        "confusion_matrix": confusion.tolist(),
    }
    wrong = torch.nonzero(predicted != targets).flatten()
    worst = wrong[confidence[wrong].argsort(descending=True)][:MISTAKES_SHOWN].tolist()
    title = f"{loaded.run}\n{split} split"
    figures = {
        "confusion_matrix": confusion_figure(confusion, classes, f"{title}: confusion matrix"),
        "mistakes": mistakes_figure(
            [dataset[i][0] for i in worst],
            [
                f"true: {classes[targets[i]]}\npred: {classes[predicted[i]]} ({confidence[i]:.2f})"
                for i in worst
            ],
            f"{title}: most confidently wrong ({len(worst)} of {len(wrong)} mistakes)",
        ),
    }
    images = {name: render(fig) for name, fig in figures.items()}
    report = _report(metrics, confusion)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        atomic_write_text(out_dir / "metrics.json", json.dumps(metrics, indent=2) + "\n")
        atomic_write_text(
            out_dir / "predictions.csv", _predictions_csv(dataset, probs, targets, classes)
        )
        atomic_write_text(out_dir / "report.md", report)
        for name, image in images.items():
            _save_png(image, out_dir / f"{name}.png")
    except OSError as err:
        raise ProjectError(
            f"cannot write the evaluation to {out_dir}: {err.strerror or err}"
        ) from None
    if events_dir is not None:
        step = loaded.epoch or 0
        scalars = {"accuracy": metrics["accuracy"], "macro_f1": metrics["macro_avg"]["f1"]}
        log_evaluation(events_dir, f"eval/{split}", step, images, scalars, report)
    return metrics


def _save_png(image: np.ndarray, path: Path) -> None:
    tmp = tmp_sibling(path)
    try:
        Image.fromarray(image).save(tmp, format="PNG")
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)


def _predictions_csv(
    dataset: Dataset, probs: torch.Tensor, targets: torch.Tensor, classes: list[str]
) -> str:
    confidence, predicted = probs.max(dim=1)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["index", "path", "true", "predicted", "confidence", "correct"])
    for i in range(len(targets)):
        t, p = int(targets[i]), int(predicted[i])
        path = sample_path(dataset, i)
        writer.writerow([i, path, classes[t], classes[p], f"{confidence[i]:.6f}", int(t == p)])
    return buffer.getvalue()


def sample_path(dataset: Dataset, index: int) -> str:
    """The file a sample was read from, where the dataset records it (`samples`), else ""."""
    if isinstance(dataset, Subset):
        return sample_path(dataset.dataset, int(dataset.indices[index]))
    samples = getattr(dataset, "samples", None)
    if samples is None:
        return ""
    item = samples[index]
    return str(item[0] if isinstance(item, tuple | list) else item)


def _report(metrics: dict[str, Any], confusion: np.ndarray) -> str:
    classes = metrics["classes"]
    lines = [
        f"# Evaluation of {metrics['run']} on the {metrics['split']} split",
        "",
        f"- checkpoint: `{metrics['checkpoint']}` (epoch {metrics['epoch']})",
        f"- samples: {metrics['samples']}, accuracy: {metrics['accuracy']:.4f}, "
        f"macro F1: {metrics['macro_avg']['f1']:.4f}, "
        f"weighted F1: {metrics['weighted_avg']['f1']:.4f}",
        "",
        "| class | precision | recall | F1 | support |",
        "|---|---:|---:|---:|---:|",
    ]
    for name, row in metrics["per_class"].items():
        lines.append(
            f"| {name} | {row['precision']:.4f} | {row['recall']:.4f} | {row['f1']:.4f} "
            f"| {row['support']} |"
        )
    weakest = sorted(metrics["per_class"].items(), key=lambda item: item[1]["f1"])[:3]
    confusions = top_confusions(confusion, classes)
    lines += [
        "",
        "Weakest classes (F1): " + ", ".join(f"{n} ({r['f1']:.2f})" for n, r in weakest),
        "",
        "Most frequent confusions (true -> predicted): "
        + (", ".join(f"{t} -> {p} ({n})" for t, p, n in confusions) or "none"),
        "",
        "Figures: [confusion matrix](confusion_matrix.png), [mistakes](mistakes.png); "
        "every prediction: [predictions.csv](predictions.csv).",
        "",
    ]
    return "\n".join(lines)
