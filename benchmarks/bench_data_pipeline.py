"""Benchmark the generated project's data pipeline against a plain Pillow Dataset + DataLoader.

Both read the same N_IMAGES 64x64 RGB JPEGs in 10 class folders (made in a temp dir) through a
`DataLoader` with the same batch size, workers and shuffling, and apply the same training
transforms: decode, convert to RGB, resize to 56x56, random crop 48x48 (padding 4),
horizontal flip, normalize. The generated pipeline is `build.build_datasets(cfg).train` of a
rendered project, configured by YAML (`data.transforms.train`) with `cache_in_memory: false`
(every image decoded every epoch, as for a dataset too big to cache). The plain one is what a
user writes by hand without torchvision: `PIL.Image.open(...).convert("RGB").resize(...)`,
then the crop, flip and normalisation on tensors.

torchvision's `ImageFolder` is not the baseline because torchvision does not import next to
the pinned CPU torch here (see templates/DEVNOTES.md); the plain Pillow Dataset does the same
work with the same library that `ImageFolder` uses to decode (its default loader is Pillow).

Each measurement is a fresh process iterating EPOCHS epochs; kinds alternate, medians of
REPEATS are reported. Run: `python benchmarks/bench_data_pipeline.py`; writes
benchmarks/results/data_pipeline.json and prints a markdown table.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_trainer import render_project

N_IMAGES = 10_000
IMAGE_SIZE = 64
RESIZE, CROP, PADDING = 56, 48, 4
MEAN, STD = 0.5, 0.25
BATCH_SIZE = 64
WORKERS = 2
EPOCHS = 1
REPEATS = 3
TARGET_RATIO = 1.0


def child(argv: list[str]) -> None:
    """Iterate the loader of one kind for EPOCHS epochs; write images/s as JSON to `--out`."""
    parser = argparse.ArgumentParser()
    parser.add_argument("kind", choices=["generated", "plain"])
    for name in ("--project", "--data", "--out"):
        parser.add_argument(name, type=Path, required=True)
    args = parser.parse_args(argv)

    import torch
    from torch.utils.data import DataLoader

    torch.set_num_threads(1)
    sys.path.insert(0, str(args.project / "src"))
    os.chdir(args.project)
    dataset = generated_dataset(args.data) if args.kind == "generated" else plain_dataset(args.data)
    loader = DataLoader(
        dataset,
        batch_size=BATCH_SIZE,
        shuffle=True,
        num_workers=WORKERS,
        generator=torch.Generator().manual_seed(0),
    )
    start, cpu, images = time.perf_counter(), cpu_seconds(), 0
    for _ in range(EPOCHS):
        for batch, _labels in loader:
            assert batch.shape[1:] == (3, CROP, CROP) and batch.dtype == torch.float32
            images += len(batch)
    seconds = time.perf_counter() - start
    cpu = cpu_seconds() - cpu  # the workers have been joined at the end of each epoch
    args.out.write_text(json.dumps({"images": images, "seconds": seconds, "cpu_seconds": cpu}))


def cpu_seconds() -> float:
    """CPU time of this process and of its finished children (the loader's workers)."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def generated_dataset(data: Path) -> object:
    """Every image of `data` with the project's train pipeline, as configured in YAML."""
    from demo.build import build_image_dataset
    from demo.config import load_config
    from demo.datasets import scan_dataset

    cfg = load_config(
        "configs/default.yaml",
        [
            f"data.root={data}",
            "data.channels=3",
            f"data.image_size=[{CROP},{CROP}]",
            "data.cache_in_memory=false",
            f"data.transforms.train=[{{resize: [{RESIZE},{RESIZE}]}}, "
            f"{{random_crop: {{size: {CROP}, padding: {PADDING}}}}}, {{hflip: 0.5}}, "
            f"{{normalize: {{mean: {MEAN}, std: {STD}}}}}]",
        ],
    )
    return build_image_dataset(cfg.data, scan_dataset(data).samples, train=True)


def _all_files(data: Path) -> list[tuple[Path, int]]:
    classes = sorted(p.name for p in data.iterdir() if p.is_dir())
    return [(path, i) for i, name in enumerate(classes) for path in sorted((data / name).iterdir())]


def plain_dataset(data: Path) -> object:
    """The hand-written Dataset (defined here so that the parent process needs no torch)."""
    import numpy as np
    import torch
    import torch.nn.functional as F
    from PIL import Image
    from torch.utils.data import Dataset

    class PlainImages(Dataset):
        def __init__(self, samples: list[tuple[Path, int]]) -> None:
            self.samples = samples

        def __len__(self) -> int:
            return len(self.samples)

        def __getitem__(self, index: int) -> tuple[torch.Tensor, int]:
            path, label = self.samples[index]
            with Image.open(path) as image:
                image = image.convert("RGB").resize((RESIZE, RESIZE), Image.Resampling.BILINEAR)
                pixels = torch.from_numpy(np.asarray(image).copy()).permute(2, 0, 1)
            pixels = F.pad(pixels, (PADDING,) * 4)
            top, left = (int(v) for v in torch.randint(0, RESIZE + 2 * PADDING - CROP + 1, (2,)))
            pixels = pixels[:, top : top + CROP, left : left + CROP]
            if torch.rand(()) < 0.5:
                pixels = pixels.flip(-1)
            return (pixels.float() / 255 - MEAN) / STD, label

    return PlainImages(_all_files(data))


def make_images(root: Path, n: int) -> None:
    """`n` 64x64 RGB JPEGs in 10 class folders (a coloured square on noise)."""
    import numpy as np
    from PIL import Image

    rng = np.random.default_rng(0)
    for index in range(n):
        label = index % 10
        pixels = rng.integers(0, 256, size=(IMAGE_SIZE, IMAGE_SIZE, 3), dtype=np.uint8)
        pixels[8 + label * 4 : 24 + label * 4, 16:48] = (25 * label, 255 - 25 * label, 128)
        folder = root / f"class_{label}"
        folder.mkdir(parents=True, exist_ok=True)
        Image.fromarray(pixels).save(folder / f"{index:05d}.jpg", quality=90)


def measure(kind: str, project: Path, data: Path, out: Path) -> dict[str, float]:
    """One child run; returns images per second of wall time and of CPU time."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    env.pop("PYTHONPATH", None)
    argv = [sys.executable, str(Path(__file__).resolve()), "--child", kind,
            "--project", str(project), "--data", str(data), "--out", str(out)]  # fmt: skip
    proc = subprocess.run(argv, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"{kind} run failed:\n{proc.stderr[-3000:]}")
    result = json.loads(out.read_text())
    return {
        "wall": result["images"] / result["seconds"],
        "cpu": result["images"] / result["cpu_seconds"],
    }


def main() -> None:
    """Run the benchmark, write results/data_pipeline.json and print a markdown table."""
    from importlib.metadata import version

    from _common import write_results

    load_before = os.getloadavg()
    runs: dict[str, list[dict[str, float]]] = {"generated": [], "plain": []}
    with tempfile.TemporaryDirectory(prefix="dlscaffold-bench-data-") as tmp_name:
        tmp = Path(tmp_name)
        make_images(tmp / "images", N_IMAGES)
        project = render_project(tmp)
        for repeat in range(REPEATS):
            order = list(runs) if repeat % 2 == 0 else list(reversed(runs))  # neither goes first
            for kind in order:
                runs[kind].append(measure(kind, project, tmp / "images", tmp / "out.json"))
                last = runs[kind][-1]
                print(f"{kind}: {last['wall']:.0f} images/s, {last['cpu']:.0f} per CPU s")

    def median(kind: str, clock: str) -> float:
        return statistics.median(run[clock] for run in runs[kind])

    ratio = median("generated", "wall") / median("plain", "wall")
    cpu_ratio = median("generated", "cpu") / median("plain", "cpu")
    rows: list[dict[str, object]] = [
        {"metric": "generated pipeline (YAML transforms)", "value": median("generated", "wall"),
         "unit": "images/s", "target": "", "ok": None},
        {"metric": "plain Pillow Dataset + DataLoader", "value": median("plain", "wall"),
         "unit": "images/s", "target": "", "ok": None},
        {"metric": "ratio generated / plain", "value": ratio, "unit": "",
         "target": f">= {TARGET_RATIO}", "ok": ratio >= TARGET_RATIO},
        {"metric": "same ratio in CPU time, workers included (less sensitive to other jobs)",
         "value": cpu_ratio, "unit": "", "target": "", "ok": None},
    ]  # fmt: skip
    description = (
        f"Images per second through a `DataLoader` (batch {BATCH_SIZE}, {WORKERS} workers, "
        f"shuffled, {EPOCHS} epochs per fresh process) over {N_IMAGES} {IMAGE_SIZE}x"
        f"{IMAGE_SIZE} RGB JPEGs: the generated project's dataset with its YAML pipeline "
        f"(resize {RESIZE}, random crop {CROP} padding {PADDING}, hflip 0.5, normalize; no "
        f"cache) vs a hand-written Pillow Dataset doing the same. torchvision does not import "
        f"next to the pinned CPU torch, so it is not the baseline. torch {version('torch')}, "
        f"Pillow {version('pillow')}; median of {REPEATS} runs each, alternating (the order "
        f"flips every repeat). CPU time counts the main process and its workers. Load average "
        f"before/after: {load_before[0]:.2f}/{os.getloadavg()[0]:.2f} (shared 2-core machine)."
    )
    write_results("data_pipeline", rows, description=description, runs=runs)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        child(sys.argv[2:])
    else:
        main()
