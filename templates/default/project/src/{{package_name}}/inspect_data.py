"""Look at the data before training: sample grid, class balance, sizes and unreadable files."""

import json
import random
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from omegaconf import DictConfig
from PIL import Image

from .datasets import load_image, scan_image_folder, stratified_split
from .utils.data_manifest import Manifest, compute_manifest
from .utils.registry import record_inspection
from .utils.runs import create_run_dir


@dataclass
class InspectionReport:
    run_dir: Path
    classes: list[str]
    train_counts: Counter[str]
    val_counts: Counter[str]
    sizes: Counter[str]
    modes: Counter[str]
    manifest: Manifest
    corrupt: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        """JSON-friendly summary, also written to `summary.json` in the run folder."""
        return {
            "classes": self.classes,
            "train_counts": dict(self.train_counts),
            "val_counts": dict(self.val_counts),
            "sizes": dict(self.sizes),
            "modes": dict(self.modes),
            "corrupt": self.corrupt,
            "manifest": self.manifest.as_dict(),
        }


def inspect_dataset(cfg: DictConfig, *, samples_per_class: int = 8) -> InspectionReport:
    """Check every image, plot samples and class balance into a new run folder under logs/."""
    data = cfg.data
    root = Path(data.root)
    classes, samples = scan_image_folder(root)
    sizes: Counter[str] = Counter()
    modes: Counter[str] = Counter()
    corrupt: list[str] = []
    readable: dict[int, list[Path]] = {}
    for path, label in samples:
        try:
            with Image.open(path) as image:
                image.load()
                sizes[f"{image.width}x{image.height}"] += 1
                modes[image.mode] += 1
        except (OSError, SyntaxError, ValueError):
            corrupt.append(path.relative_to(root).as_posix())
            continue
        readable.setdefault(label, []).append(path)
    train_idx, val_idx = stratified_split(
        [label for _, label in samples], data.val_fraction, data.split_seed
    )
    report = InspectionReport(
        run_dir=create_run_dir(Path(cfg.paths.logs), f"inspect-{data.name}"),
        classes=classes,
        train_counts=Counter(classes[samples[i][1]] for i in train_idx),
        val_counts=Counter(classes[samples[i][1]] for i in val_idx),
        sizes=sizes,
        modes=modes,
        manifest=compute_manifest(root),
        corrupt=corrupt,
    )
    rng = random.Random(cfg.seed)
    picks = {
        classes[label]: rng.sample(paths, min(samples_per_class, len(paths)))
        for label, paths in sorted(readable.items())
    }
    if picks:  # nothing to show when every image is unreadable
        _plot_grid(picks, report.run_dir / "samples.png", channels=data.channels)
    _plot_balance(report, report.run_dir / "class_distribution.png")
    (report.run_dir / "summary.json").write_text(
        json.dumps(report.as_dict(), indent=2), encoding="utf-8"
    )
    if not corrupt:
        record_inspection(Path(cfg.paths.data_registry), data.name, root, report.manifest)
    return report


def _plot_grid(picks: dict[str, list[Path]], out: Path, *, channels: int) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    cols = max((len(paths) for paths in picks.values()), default=1)
    fig, axes = plt.subplots(
        len(picks), cols, figsize=(cols * 1.2, len(picks) * 1.2), squeeze=False
    )
    for row, (name, paths) in enumerate(picks.items()):
        for col, ax in enumerate(axes[row]):
            ax.set_xticks([])
            ax.set_yticks([])
            if col < len(paths):
                with Image.open(paths[col]) as image:
                    size = [image.height, image.width]
                pixels = load_image(paths[col], channels=channels, image_size=size)
                ax.imshow(
                    pixels[0] if channels == 1 else pixels.transpose(1, 2, 0),
                    cmap="gray",
                    vmin=0,
                    vmax=255,
                )
            if col == 0:
                ax.set_ylabel(name)
    fig.tight_layout()
    fig.savefig(out, dpi=100)
    plt.close(fig)


def _plot_balance(report: InspectionReport, out: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = report.classes
    train = [report.train_counts[n] for n in names]
    val = [report.val_counts[n] for n in names]
    fig, ax = plt.subplots(figsize=(max(4.0, len(names) * 0.6), 3.5))
    ax.bar(names, train, label="train")
    ax.bar(names, val, bottom=train, label="val")
    ax.set_xlabel("class")
    ax.set_ylabel("images")
    ax.set_title("class distribution")
    ax.legend()
    fig.tight_layout()
    fig.savefig(out, dpi=100)
    plt.close(fig)
