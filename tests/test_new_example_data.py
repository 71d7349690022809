"""Which dataset `dlscaffold new` links, and next steps that work when it links none.

The example (handwritten digits) is linked under its own name, `data/digits`, and only into a
project whose config trains on `digits`; a project named after the user's own dataset gets no
digits posing under that name, and its next steps say how to link the real one.
"""

from __future__ import annotations

from pathlib import Path

import yaml
from PIL import Image

from tests.test_data_helpers import cli


def _next_line(err: str) -> str:
    flat = " ".join(err.split())
    assert "Next: " in flat, flat
    return flat.split("Next: ", 1)[1]


def _image_folder(root: Path) -> Path:
    for label in ("circle", "square"):
        (root / label).mkdir(parents=True)
        for index in range(3):
            Image.new("L", (8, 8), 40 * index).save(root / label / f"{index}.png")
    return root


def test_a_named_dataset_is_not_filled_with_the_example(tmp_path: Path) -> None:
    dest = tmp_path / "demo"
    code, _, err = cli("new", str(dest), "--defaults", "--data", "dataset_name=shapes")

    assert code == 0, err
    assert not (dest / "data" / "shapes").exists() and not (dest / "data" / "digits").exists()
    assert "root: data/shapes" in (dest / "configs" / "default.yaml").read_text()
    assert _next_line(err).startswith(
        f"cd {dest} && dlscaffold data link shapes /path/to/shapes && pip install -e '.[dev]'"
    )
    # The step the message names works: the name is free for the user's own images.
    code, _, err = cli("data", "link", "shapes", str(_image_folder(tmp_path / "raw")), cwd=dest)
    assert code == 0, err
    registry = yaml.safe_load((dest / "data" / "datasets.yaml").read_text())
    assert registry["datasets"]["shapes"]["manifest"]["files"] == 6


def test_the_example_keeps_its_own_name(tmp_path: Path) -> None:
    dest = tmp_path / "demo"
    code, _, err = cli("new", str(dest), "--defaults")

    assert code == 0, err
    assert (dest / "data" / "digits").is_symlink()
    assert "root: data/digits" in (dest / "configs" / "default.yaml").read_text()
    assert "data link" not in _next_line(err)


def test_no_example_data_says_to_link_the_configured_dataset(tmp_path: Path) -> None:
    dest = tmp_path / "demo"
    code, _, err = cli("new", str(dest), "--defaults", "--no-example-data")

    assert code == 0, err
    assert not (dest / "data" / "digits").exists()
    assert _next_line(err) == (
        f"cd {dest} && dlscaffold data link digits /path/to/digits && "
        "pip install -e '.[dev]' && python -m demo train"
    )
