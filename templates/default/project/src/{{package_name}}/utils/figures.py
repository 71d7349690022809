"""Figures of an evaluation: the confusion matrix and the most confidently wrong samples.

Built on `matplotlib.figure.Figure` and the Agg canvas (no pyplot), so nothing depends on a
display, and each figure is drawn once (`render`) for both its PNG and TensorBoard.
"""

from collections.abc import Sequence

import numpy as np
import torch
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure


def confusion_figure(confusion: np.ndarray, classes: Sequence[str], title: str) -> Figure:
    """Counts per (true, predicted) class, shaded by the share of the true class (row)."""
    n = len(classes)
    side = min(max(4.0, 0.45 * n + 2.5), 24.0)
    fig = Figure(figsize=(side, side), layout="constrained")
    ax = fig.add_subplot()
    totals = confusion.sum(axis=1, keepdims=True)
    shares = np.divide(confusion, totals, out=np.zeros_like(confusion, float), where=totals > 0)
    image = ax.imshow(shares, cmap="Blues", vmin=0.0, vmax=1.0)
    ax.set_xticks(range(n), labels=classes, rotation=90 if n > 6 else 0)
    ax.set_yticks(range(n), labels=classes)
    ax.set_xlabel("predicted (shade: share of the true class)")
    ax.set_ylabel("true")
    ax.set_title(title, fontsize=9)
    if n <= 30:  # numbers stay readable up to about this size (a colour bar costs time)
        for t in range(n):
            for p in range(n):
                color = "white" if shares[t, p] > 0.5 else "black"
                ax.text(p, t, str(int(confusion[t, p])), ha="center", va="center", color=color)
    else:
        fig.colorbar(image, ax=ax, fraction=0.046, pad=0.04, label="share of the true class")
    return fig


def mistakes_figure(
    images: Sequence[torch.Tensor],
    captions: Sequence[str],
    title: str,
    columns: int = 6,
) -> Figure:
    """A grid of images with their captions (e.g. `true: cat / pred: dog (0.97)`).

    The images are tiled into one picture on one axes: much faster to draw than an axes each.
    """
    tiles = [_rgb(displayable(image)) for image in images]
    cols = min(columns, max(len(tiles), 1))
    rows = max((len(tiles) + cols - 1) // cols, 1)
    height = max((t.shape[0] for t in tiles), default=8)
    width = max((t.shape[1] for t in tiles), default=8)
    gap, caption = max(1, width // 8), 0.6 * height  # in pixels of the tiles
    mosaic = np.ones((int(rows * (height + caption)), cols * (width + gap), 3))
    cell_inches = 1.6
    fig_height = cell_inches * (height + caption) / width * rows + 0.4
    fig = Figure(figsize=(max(cell_inches * cols, 5.0), fig_height))  # room for the title
    ax = fig.add_axes((0.0, 0.0, 1.0, 1.0 - 0.4 / fig_height))
    ax.set_axis_off()
    for index, tile in enumerate(tiles):
        row, col = divmod(index, cols)
        top, left = int(row * (height + caption)), col * (width + gap)
        mosaic[top : top + tile.shape[0], left : left + tile.shape[1]] = tile
        ax.text(
            left + width / 2, top + height + 0.05 * caption, captions[index],
            ha="center", va="top", fontsize=8,
        )  # fmt: skip
    ax.imshow(mosaic, interpolation="nearest")
    if not tiles:
        ax.text(mosaic.shape[1] / 2, mosaic.shape[0] / 2, "no mistakes", ha="center")
    fig.suptitle(title, fontsize=9)
    return fig


def render(fig: Figure) -> np.ndarray:
    """Draw `fig` once into an RGB uint8 array (H, W, 3): saved as PNG and sent to TensorBoard."""
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    return np.asarray(canvas.buffer_rgba())[..., :3].copy()


def _rgb(pixels: np.ndarray) -> np.ndarray:
    return np.repeat(pixels[..., None], 3, axis=2) if pixels.ndim == 2 else pixels


def displayable(image: torch.Tensor) -> np.ndarray:
    """A model input (C, H, W), normalised in any way, scaled to [0, 1] for display."""
    pixels = image.detach().float().cpu()
    low, high = pixels.min(), pixels.max()
    pixels = (pixels - low) / (high - low) if high > low else torch.zeros_like(pixels)
    if pixels.shape[0] == 1:
        return pixels[0].numpy()
    return pixels[:3].permute(1, 2, 0).numpy()
