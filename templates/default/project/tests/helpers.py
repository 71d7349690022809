"""Test helpers shared by several test modules."""

from pathlib import Path

import numpy as np
from PIL import Image

PROJECT_ROOT = Path(__file__).resolve().parents[1]
CONFIGS = PROJECT_ROOT / "configs"


def write_image_folder(root: Path, *, classes: int = 3, per_class: int = 12, size: int = 8) -> Path:
    """`<root>/<class>/<index>.png`; class k is a bright horizontal band at row k, easy to learn."""
    rng = np.random.default_rng(0)
    for label in range(classes):
        folder = root / f"class_{label}"
        folder.mkdir(parents=True, exist_ok=True)
        for index in range(per_class):
            pixels = rng.integers(0, 60, size=(size, size), dtype=np.uint8)
            band = label * size // classes
            pixels[band : band + 2] = 255
            Image.fromarray(pixels, mode="L").save(folder / f"{index:04d}.png")
    return root


def latest_run_dir(logs: Path) -> Path:
    """The run folder `logs/LATEST` names (the newest run)."""
    return logs / (logs / "LATEST").read_text(encoding="utf-8").strip()
