"""Look at the data before training: sample grid, class balance, sizes and unreadable files."""

import json
import random
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from omegaconf import DictConfig
from PIL import Image

from .datasets import IMAGE_SUFFIXES, load_image, scan_dataset, split_samples
from .errors import ImageReadError
from .runs.folders import create_run_dir
from .utils.console import warn
from .utils.data_manifest import Manifest, compute_manifest
from .utils.registry import record_inspection

if TYPE_CHECKING:
    from matplotlib.figure import Figure

# Pillow modes that hold no colour: `data.channels: 1` loses nothing on them.
GRAYSCALE_MODES = frozenset({"1", "L", "LA", "I", "I;16", "F"})


@dataclass
class InspectionReport:
    run_dir: Path
    classes: list[str]
    train_counts: Counter[str]
    val_counts: Counter[str]
    test_counts: Counter[str]
    sizes: Counter[str]
    modes: Counter[str]
    manifest: Manifest
    corrupt: list[str] = field(default_factory=list)
    unused: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        """JSON-friendly summary, also written to `summary.json` in the run folder."""
        return {
            "classes": self.classes,
            "train_counts": dict(self.train_counts),
            "val_counts": dict(self.val_counts),
            "test_counts": dict(self.test_counts),
            "sizes": dict(self.sizes),
            "modes": dict(self.modes),
            "corrupt": self.corrupt,
            "unused": self.unused,
            "warnings": self.warnings,
            "manifest": self.manifest.as_dict(),
        }


def inspect_dataset(cfg: DictConfig, *, samples_per_class: int = 8) -> InspectionReport:
    """Check every image, plot samples and class balance into a new run folder under logs/.

    Warns (and lists in `report.warnings`) when the images do not match the config
    (`data.channels`, `data.image_size`) and when files of the dataset are not used. A clean
    inspection is recorded on this machine (`data/.manifests/_activity.json`), never in the
    tracked registry. Inspect another dataset with overrides:
    `inspect-data data.name=NAME data.root=data/NAME`.
    """
    data = cfg.data
    root = Path(data.root)
    files = scan_dataset(root)  # the loader's own listing: the same files, classes and splits
    classes, samples = files.classes, files.samples
    sizes: Counter[str] = Counter()
    modes: Counter[str] = Counter()
    corrupt: list[str] = []
    readable: dict[int, list[Path]] = {}
    for path, label in samples:
        try:
            with Image.open(path) as image:
                size, mode = f"{image.width}x{image.height}", image.mode
            load_image(path, channels=data.channels, max_pixels=data.max_image_pixels)
        except (ImageReadError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
            corrupt.append(path.relative_to(root).as_posix())
            continue
        sizes[size] += 1
        modes[mode] += 1
        readable.setdefault(label, []).append(path)
    splits = split_samples(
        files,
        val_fraction=data.val_fraction,
        test_fraction=data.test_fraction,
        seed=data.split_seed,
    )
    counts = {name: Counter(classes[label] for _, label in splits[name]) for name in splits}
    report = InspectionReport(
        run_dir=create_run_dir(Path(cfg.paths.logs), f"inspect-{data.name}"),
        classes=classes,
        train_counts=counts["train"],
        val_counts=counts["val"],
        test_counts=counts["test"],
        sizes=sizes,
        modes=modes,
        manifest=compute_manifest(root),
        corrupt=corrupt,
        unused=files.unused,
        warnings=config_mismatches(modes, sizes, data.channels, list(data.image_size)),
    )
    if report.unused:
        shown = ", ".join(report.unused[:5]) + (", ..." if len(report.unused) > 5 else "")
        layout = "train|val|test/<class>/<file>" if files.presplit else "<class>/<file>"
        report.warnings.append(
            f"{len(report.unused)} of {report.manifest.files} files are not images "
            f"({', '.join(IMAGE_SUFFIXES)}) at {layout} and are not used: {shown}; the table "
            f"counts the {len(samples)} images"
        )
    for message in report.warnings:
        warn(message)
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
        record_inspection(Path(cfg.paths.data_registry), data.name, report.manifest)
    return report


def config_mismatches(
    modes: Counter[str], sizes: Counter[str], channels: int, image_size: list[int]
) -> list[str]:
    """Sentences saying how the images differ from `data.channels` and `data.image_size`."""
    total = sum(modes.values())
    messages = []
    if channels == 1:
        colour = Counter({m: n for m, n in modes.items() if m not in GRAYSCALE_MODES})
        if colour:
            messages.append(
                f"{sum(colour.values())} of {total} images are in colour ({_counts(colour)}) but "
                "data.channels is 1: training and samples.png see them in grayscale; set "
                "data.channels=3 (in the config, or as an override) if colour matters"
            )
    else:
        gray = Counter({m: n for m, n in modes.items() if m in GRAYSCALE_MODES})
        if gray:
            messages.append(
                f"{sum(gray.values())} of {total} images are grayscale ({_counts(gray)}) but "
                "data.channels is 3: each becomes 3 identical channels; set data.channels=1 "
                "if the dataset has no colour"
            )
    height, width = image_size
    expected = f"{width}x{height}"
    other = Counter({s: n for s, n in sizes.items() if s != expected})
    if other:
        common_w, common_h = other.most_common(1)[0][0].split("x")
        messages.append(
            f"{sum(other.values())} of {total} images are not {expected} (width x height) but "
            f"{_counts(other)}, and data.image_size is [{height}, {width}] ([height, width]): "
            f"they are resized to it; set data.image_size=[{common_h},{common_w}] to train "
            "at their own size"
        )
    return messages


def _counts(counts: Counter[str]) -> str:
    return ", ".join(f"{key} x{n}" for key, n in counts.most_common())


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
    import matplotlib.pyplot as plt

    fig = balance_figure(report)
    fig.savefig(out, dpi=100)
    plt.close(fig)


def balance_figure(report: InspectionReport) -> "Figure":
    """Stacked train/val/test bars per class; the legend sits beside the axes, never over a bar."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = report.classes
    train = [report.train_counts[n] for n in names]
    val = [report.val_counts[n] for n in names]
    test = [report.test_counts[n] for n in names]
    fig, ax = plt.subplots(figsize=(max(4.0, len(names) * 0.6) + 1.0, 3.5))
    ax.bar(names, train, label="train")
    ax.bar(names, val, bottom=train, label="val")
    ax.bar(names, test, bottom=[t + v for t, v in zip(train, val, strict=True)], label="test")
    ax.set_xlabel("class")
    ax.set_ylabel("images")
    ax.set_title("class distribution")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0)
    fig.tight_layout()
    return fig
