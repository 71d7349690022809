"""Benchmark the generated project's data pipeline against torchvision's ImageFolder + DataLoader.

All kinds read the same N_IMAGES 64x64 RGB JPEGs in 10 class folders (made in a temp dir)
through a `DataLoader` with the same batch size, workers and shuffling, and apply the same
training transforms: decode, convert to RGB, resize to 56x56, random crop 48x48 (padding 4),
horizontal flip, float, normalize. The generated pipeline is `build.build_image_dataset` of a
rendered project, configured by YAML (`data.transforms.train`) with `cache_in_memory: false`
(every image decoded every epoch, as for a dataset too big to cache).

The baseline is what a user writes with torchvision: `torchvision.datasets.ImageFolder` (its
default Pillow loader) with a `transforms.v2.Compose`, in the two usual orders: `ToImage` first
and the rest on tensors (as torchvision's v2 guide recommends; "torchvision"), or the geometric
transforms on the PIL image, then `ToImage` ("torchvision-pil"); both end with `ToPureTensor`,
as torchvision's reference training scripts do. The target compares with the faster of the
two. torchvision only imports beside a torch it was built for, so `--python` names the
interpreter of the measuring processes (a venv with a matching torch and torchvision; the
generated project's code runs there too, from the render's `src`). Where torchvision does not
import, a hand-written Pillow Dataset doing the same work ("pillow", the library ImageFolder
decodes with) is the baseline, and the output says so.

A venv for it, beside (never inside) the pinned one, on x86_64 Linux with Python 3.11:
`python -m venv /tmp/tvvenv && /tmp/tvvenv/bin/pip install torch==2.14.1 torchvision==0.29.1
pyyaml omegaconf rich` (a CUDA build, about 5.5 GB; it runs on the CPU).

Each measurement is a fresh process iterating EPOCHS epochs; kinds take turns (the order
rotates every repeat), medians of REPEATS are reported, with CPU time (main process and
workers) beside wall time because the machine is shared. Run:
`python benchmarks/bench_data_pipeline.py [--python /path/to/venv/bin/python] [--repeats N]`
(`BENCH_TORCHVISION_PYTHON=/path/to/venv/bin/python python benchmarks/run.py data` does the same);
writes benchmarks/results/data_pipeline.json and prints a markdown table.
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
REPEATS = 5
TARGET_RATIO = 1.0
TORCHVISION_KINDS = ("torchvision", "torchvision-pil")
KINDS = ("generated", *TORCHVISION_KINDS, "pillow")


def child(argv: list[str]) -> None:
    """Iterate the loader of one kind for EPOCHS epochs; write images/s as JSON to `--out`."""
    parser = argparse.ArgumentParser()
    parser.add_argument("kind", choices=KINDS)
    for name in ("--project", "--data", "--out"):
        parser.add_argument(name, type=Path, required=True)
    args = parser.parse_args(argv)

    import torch
    from torch.utils.data import DataLoader

    torch.set_num_threads(1)
    sys.path.insert(0, str(args.project / "src"))
    os.chdir(args.project)
    make = {
        "generated": generated_dataset,
        "torchvision": lambda data: torchvision_dataset(data, pil_geometry=False),
        "torchvision-pil": lambda data: torchvision_dataset(data, pil_geometry=True),
        "pillow": pillow_dataset,
    }[args.kind]
    dataset = make(args.data)
    dataset[0]  # lazy imports happen here, once, not in each forked worker
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
    result = {"images": images, "seconds": seconds, "cpu_seconds": cpu, "versions": versions()}
    args.out.write_text(json.dumps(result))


def versions() -> dict[str, str]:
    """Versions of the libraries doing the work in this process."""
    from importlib.metadata import PackageNotFoundError, version

    found = {}
    for name in ("torch", "torchvision", "pillow"):
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            pass
    return found


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


def torchvision_dataset(data: Path, *, pil_geometry: bool) -> object:
    """`ImageFolder` with the same transforms in `transforms.v2`, as a user writes it."""
    import torch
    from torchvision import datasets
    from torchvision.transforms import v2

    geometry = [
        v2.Resize((RESIZE, RESIZE)),
        v2.RandomCrop(CROP, padding=PADDING),
        v2.RandomHorizontalFlip(0.5),
    ]
    to_float = [
        v2.ToDtype(torch.float32, scale=True),
        v2.Normalize([MEAN] * 3, [STD] * 3),
        v2.ToPureTensor(),  # plain tensors to the loader, as torchvision's reference scripts do
    ]
    steps = [*geometry, v2.ToImage()] if pil_geometry else [v2.ToImage(), *geometry]
    return datasets.ImageFolder(str(data), transform=v2.Compose([*steps, *to_float]))


def _all_files(data: Path) -> list[tuple[Path, int]]:
    classes = sorted(p.name for p in data.iterdir() if p.is_dir())
    return [(path, i) for i, name in enumerate(classes) for path in sorted((data / name).iterdir())]


def pillow_dataset(data: Path) -> object:
    """The hand-written Dataset, the baseline where torchvision does not import."""
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


def child_env() -> dict[str, str]:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    env.pop("PYTHONPATH", None)
    return env


def torchvision_imports(python: str) -> bool:
    """Whether `python` can build the torchvision baseline."""
    probe = "import torchvision.datasets, torchvision.transforms.v2"
    proc = subprocess.run([python, "-c", probe], env=child_env(), capture_output=True)
    return proc.returncode == 0


def measure(python: str, kind: str, project: Path, data: Path, out: Path) -> dict[str, object]:
    """One child run; returns images per second of wall time and of CPU time."""
    argv = [python, str(Path(__file__).resolve()), "--child", kind,
            "--project", str(project), "--data", str(data), "--out", str(out)]  # fmt: skip
    load = os.getloadavg()[0]
    proc = subprocess.run(argv, env=child_env(), capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"{kind} run failed:\n{proc.stderr[-3000:]}")
    result = json.loads(out.read_text())
    return {
        "wall": result["images"] / result["seconds"],
        "cpu": result["images"] / result["cpu_seconds"],
        "load_before": load,
        "versions": result["versions"],
    }


def main() -> None:
    """Run the benchmark, write results/data_pipeline.json and print a markdown table."""
    from _common import write_results

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--python",
        default=os.environ.get("BENCH_TORCHVISION_PYTHON", sys.executable),
        help="interpreter of the measuring processes, one that imports torchvision (default: "
        "$BENCH_TORCHVISION_PYTHON, else this one)",
    )
    parser.add_argument("--repeats", type=int, default=REPEATS)
    args = parser.parse_args()
    with_torchvision = torchvision_imports(args.python)
    baselines = TORCHVISION_KINDS if with_torchvision else ("pillow",)
    if with_torchvision:
        print("baseline: torchvision ImageFolder + transforms.v2 (" + ", ".join(baselines) + ")")
    else:
        print(f"baseline: a hand-written Pillow Dataset (torchvision does not import in "
              f"{args.python}; pass --python of a venv where it does)")  # fmt: skip
    load_before = os.getloadavg()
    runs: dict[str, list[dict[str, object]]] = {kind: [] for kind in ("generated", *baselines)}
    with tempfile.TemporaryDirectory(prefix="dlscaffold-bench-data-") as tmp_name:
        tmp = Path(tmp_name)
        make_images(tmp / "images", N_IMAGES)
        project = render_project(tmp)
        for repeat in range(args.repeats):
            order = list(runs)
            order = order[repeat % len(order) :] + order[: repeat % len(order)]  # none always first
            for kind in order:
                runs[kind].append(measure(args.python, kind, project, tmp / "images", tmp / "o"))
                last = runs[kind][-1]
                print(f"{kind}: {last['wall']:.0f} images/s, {last['cpu']:.0f} per CPU s "
                      f"(load {last['load_before']:.1f})", flush=True)  # fmt: skip

    def paired(clock: str) -> float:
        """Median over repeats of generated / best baseline of the same repeat (same load)."""
        return statistics.median(
            float(runs["generated"][i][clock]) / max(float(runs[k][i][clock]) for k in baselines)
            for i in range(args.repeats)
        )

    def median(kind: str, clock: str) -> float:
        return statistics.median(float(run[clock]) for run in runs[kind])  # type: ignore[arg-type]

    names = {
        "generated": "generated pipeline (YAML transforms)",
        "torchvision": "torchvision ImageFolder + v2 (ToImage first, tensor transforms)",
        "torchvision-pil": "torchvision ImageFolder + v2 (geometry on PIL, then ToImage)",
        "pillow": "hand-written Pillow Dataset (torchvision unavailable)",
    }
    best = max(baselines, key=lambda kind: median(kind, "wall"))
    best_cpu = max(baselines, key=lambda kind: median(kind, "cpu"))
    ratio = median("generated", "wall") / median(best, "wall")
    cpu_ratio = median("generated", "cpu") / median(best_cpu, "cpu")
    rows: list[dict[str, object]] = []
    for kind in runs:
        for metric, clock in ((names[kind], "wall"), ("same, per CPU s (workers incl.)", "cpu")):
            rows.append({"metric": metric, "value": median(kind, clock), "unit": "images/s",
                         "target": "", "ok": None})  # fmt: skip
    rows += [
        {"metric": f"ratio generated / fastest baseline ({best})", "value": ratio, "unit": "",
         "target": f">= {TARGET_RATIO}", "ok": ratio >= TARGET_RATIO},
        {"metric": f"same ratio in CPU time ({best_cpu}; less sensitive to other jobs)",
         "value": cpu_ratio, "unit": "", "target": "", "ok": None},
        {"metric": "median of the ratios within each repeat (wall / CPU time)",
         "value": f"{paired('wall'):.3g} / {paired('cpu'):.3g}", "unit": "", "target": "",
         "ok": None},
    ]  # fmt: skip
    found = runs["generated"][0]["versions"]
    loads = [float(run["load_before"]) for kind in runs for run in runs[kind]]  # type: ignore[arg-type]
    baseline_text = (
        "torchvision's `ImageFolder` + `transforms.v2` + `DataLoader`, in both usual orders "
        "(the target compares with the faster)"
        if with_torchvision
        else "a hand-written Pillow Dataset doing the same (torchvision does not import in the "
        "measuring interpreter, so it is not the baseline)"
    )
    description = (
        f"Images per second through a `DataLoader` (batch {BATCH_SIZE}, {WORKERS} workers, "
        f"shuffled, {EPOCHS} epoch per fresh process) over {N_IMAGES:,} {IMAGE_SIZE}x"
        f"{IMAGE_SIZE} RGB JPEGs: the generated project's dataset with its YAML pipeline "
        f"(resize {RESIZE}, random crop {CROP} padding {PADDING}, hflip 0.5, normalize; no "
        f"cache) vs {baseline_text}. "
        + ", ".join(f"{name} {value}" for name, value in found.items())
        + f"; median of {args.repeats} runs each, in turns (the order rotates every repeat). "
        f"CPU time counts the main process and its workers. Load average at the start "
        f"{load_before[0]:.2f}, before each run {min(loads):.1f}-{max(loads):.1f}, at the "
        f"end {os.getloadavg()[0]:.2f} (2 cores shared with other jobs)."
    )
    write_results("data_pipeline", rows, description=description, runs=runs,
                  baseline=list(baselines), python=args.python)  # fmt: skip


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        child(sys.argv[2:])
    else:
        main()
