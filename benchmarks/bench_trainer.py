"""Benchmark the generated project's trainer against a minimal hand-written PyTorch loop.

Both train the template's default model (SmallCNN) on the same synthetic image folder
(N_IMAGES 28x28 grayscale PNGs in 10 classes, made in a temp dir), with the same split,
Dataset class, batch sizes, optimizer and thread count, for EPOCHS epochs. The trainer runs as
a user runs it, `python -m demo train key=value...` in a rendered project (a git repo), with
TensorBoard logging, a checkpoint per epoch, status.json and the run snapshot; the plain loop
is `for x, y in loader: zero_grad; cross_entropy; backward; step` plus an eval pass per epoch.

Each run is a fresh process; runs alternate (trainer, plain, trainer, plain, ...) and the
medians of REPEATS are reported:

- throughput: training samples / wall time of all epochs (eval, logging and checkpoints
  included: `Trainer.fit` for the trainer, the epoch loop for the plain one);
- time to first step: process start (just before spawning) to the first optimizer step.

Run: `python benchmarks/bench_trainer.py`; writes benchmarks/results/trainer.json and prints
a markdown table. A child process runs one measurement: `--child trainer|plain ...`.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = ROOT / "templates" / "default"
N_IMAGES = 4000  # 2800 train / 800 val / 400 test, as the trainer splits them
IMAGE_SIZE = 28
EPOCHS = 5
REPEATS = 5
THREADS = 1  # 2 threads on a shared 2-core machine: step times vary 5x run to run
BATCH_SIZE = 64  # the template's defaults, spelled out for the plain loop
EVAL_BATCH_SIZE = 256
TARGET_RATIO = 0.97
FIRST_STEP_MARGIN_S = 0.3  # the trainer's time to first step: at most this much more
# Start-up steps of `train._train` timed in the trainer's child (seconds since spawning, at
# each step's end): where the time to first step goes.
PHASES = ("seed_everything", "build_dataloaders", "_record_start", "build_loggers",
          "build_trainer")  # fmt: skip


# ---------------------------------------------------------------- child processes
def child(argv: list[str]) -> None:
    """Measure one run in this process and write its figures as JSON to `--out`."""
    parser = argparse.ArgumentParser()
    parser.add_argument("kind", choices=["trainer", "plain"])
    for name in ("--project", "--data", "--out"):
        parser.add_argument(name, type=Path, required=True)
    parser.add_argument("--epochs", type=int, required=True)
    parser.add_argument("--threads", type=int, required=True)
    args = parser.parse_args(argv)
    spawned = float(os.environ["BENCH_SPAWNED"])

    import torch
    from torch.optim.optimizer import register_optimizer_step_post_hook

    torch.set_num_threads(args.threads)
    record: dict[str, float] = {}

    def first_step(optimizer: object, *_: object) -> None:
        record.setdefault("first_step_s", time.time() - spawned)

    register_optimizer_step_post_hook(first_step)
    sys.path.insert(0, str(args.project / "src"))
    os.chdir(args.project)
    run = run_trainer if args.kind == "trainer" else run_plain
    record.update(run(args.data, args.epochs))
    record["threads"] = torch.get_num_threads()
    args.out.write_text(json.dumps(record))


def run_trainer(data: Path, epochs: int) -> dict[str, float]:
    """`python -m demo train` with the fit loop timed from outside."""
    from demo import cli
    from demo import train as train_module
    from demo.trainer import Trainer

    timing: dict[str, float] = {}
    spawned = float(os.environ["BENCH_SPAWNED"])
    for name in PHASES:
        setattr(train_module, name, _timed(getattr(train_module, name), name, timing, spawned))
    fit = Trainer.fit

    def timed_fit(self: Trainer) -> dict[str, float]:
        start, cpu = time.perf_counter(), time.process_time()
        try:
            return fit(self)
        finally:
            timing["fit_s"] = time.perf_counter() - start
            timing["fit_cpu_s"] = time.process_time() - cpu
            timing["samples"] = len(self.train_loader.dataset) * self.epoch

    Trainer.fit = timed_fit  # type: ignore[method-assign]
    overrides = [
        f"data.root={data}",
        f"data.image_size=[{IMAGE_SIZE},{IMAGE_SIZE}]",
        f"data.batch_size={BATCH_SIZE}",
        f"data.eval_batch_size={EVAL_BATCH_SIZE}",
        f"trainer.epochs={epochs}",
        "trainer.device=cpu",
    ]
    code = cli.main(["train", *overrides])
    if code != 0:
        raise SystemExit(f"trainer run failed with exit code {code}")
    latest = (Path("logs") / "LATEST").read_text().strip()
    status = json.loads((Path("logs") / latest / "status.json").read_text())
    metrics = status["metrics"]
    return {**timing, "own_throughput": metrics["throughput"], "val_acc": metrics["val_acc"]}


def _timed(function: Any, name: str, timing: dict[str, float], spawned: float) -> Any:
    """`function`, recording when it returned (seconds since spawning) as `at_<name>`."""

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return function(*args, **kwargs)
        finally:
            timing.setdefault(f"at_{name}", time.time() - spawned)

    return wrapper


def run_plain(data: Path, epochs: int) -> dict[str, float]:
    """The minimal loop on the same model, Dataset, split and batch sizes."""
    import torch
    import torch.nn.functional as F
    from demo.datasets import ImageFolderDataset, scan_dataset, split_samples
    from demo.networks import SmallCNN
    from torch.utils.data import DataLoader

    torch.manual_seed(42)
    files = scan_dataset(data)
    classes = files.classes
    # The trainer's split (template defaults): 70% train, 20% val, 10% held out for testing.
    splits = split_samples(files, val_fraction=0.2, test_fraction=0.1, seed=0)
    options = {"image_size": (IMAGE_SIZE, IMAGE_SIZE), "cache_in_memory": True}
    train_ds = ImageFolderDataset(splits["train"], **options)
    val_ds = ImageFolderDataset(splits["val"], **options)
    loader = DataLoader(train_ds, batch_size=BATCH_SIZE, shuffle=True)
    val_loader = DataLoader(val_ds, batch_size=EVAL_BATCH_SIZE)
    model = SmallCNN(in_channels=1, num_classes=len(classes))
    opt = torch.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=1e-4)

    start, cpu = time.perf_counter(), time.process_time()
    for _ in range(epochs):
        model.train()
        for x, y in loader:
            opt.zero_grad()
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            opt.step()
        model.eval()
        correct = 0
        with torch.no_grad():
            for x, y in val_loader:
                correct += (model(x).argmax(1) == y).sum().item()
    return {
        "fit_s": time.perf_counter() - start,
        "fit_cpu_s": time.process_time() - cpu,
        "samples": len(train_ds) * epochs,
        "val_acc": correct / len(val_ds),
    }


# ---------------------------------------------------------------- the parent


def measure(kind: str, project: Path, data: Path, out: Path) -> dict[str, float]:
    """One child run; returns its figures."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    env.pop("PYTHONPATH", None)
    argv = [sys.executable, str(Path(__file__).resolve()), "--child", kind,
            "--project", str(project), "--data", str(data), "--out", str(out),
            "--epochs", str(EPOCHS), "--threads", str(THREADS)]  # fmt: skip
    load = os.getloadavg()[0]
    env["BENCH_SPAWNED"] = repr(time.time())
    proc = subprocess.run(argv, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"{kind} run failed:\n{proc.stderr[-3000:]}")
    return {**json.loads(out.read_text()), "load_before": load}


def main() -> None:
    """Run the benchmark, write results/trainer.json and print a markdown table."""
    from importlib.metadata import version

    from _common import make_images, render_project, write_results

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=REPEATS)
    repeats = parser.parse_args().repeats
    load_before = os.getloadavg()
    started = time.perf_counter()
    runs: dict[str, list[dict[str, float]]] = {"trainer": [], "plain": []}
    with tempfile.TemporaryDirectory(prefix="dlscaffold-bench-trainer-") as tmp_name:
        tmp = Path(tmp_name)
        make_images(tmp / "images", N_IMAGES, classes=10, size=IMAGE_SIZE)
        project = render_project(TEMPLATE, tmp)
        for repeat in range(repeats):
            for kind in list(runs) if repeat % 2 == 0 else list(reversed(runs)):
                runs[kind].append(measure(kind, project, tmp / "images", tmp / "out.json"))
                last = runs[kind][-1]
                print(f"{kind}: {last['samples'] / last['fit_s']:.0f} samples/s "
                      f"({last['samples'] / last['fit_cpu_s']:.0f} per CPU s), "
                      f"first step {last['first_step_s']:.2f} s", flush=True)  # fmt: skip

    def median(kind: str, key: str) -> float:
        return statistics.median(r[key] for r in runs[kind])

    def throughputs(kind: str, clock: str = "fit_s") -> list[float]:
        return [r["samples"] / r[clock] for r in runs[kind]]

    def paired(key: str) -> list[float]:
        """trainer's `key` minus the plain loop's, within each repeat (the same load)."""
        return [t[key] - p[key] for t, p in zip(runs["trainer"], runs["plain"], strict=True)]

    paired_ratios = [
        (t["samples"] / t["fit_s"]) / (p["samples"] / p["fit_s"])
        for t, p in zip(runs["trainer"], runs["plain"], strict=True)
    ]
    first_step_extra = median("trainer", "first_step_s") - median("plain", "first_step_s")
    trainer_tp = statistics.median(throughputs("trainer"))
    plain_tp = statistics.median(throughputs("plain"))
    ratio = trainer_tp / plain_tp
    cpu_ratio = statistics.median(throughputs("trainer", "fit_cpu_s")) / statistics.median(
        throughputs("plain", "fit_cpu_s")
    )
    rows: list[dict[str, object]] = [
        {"metric": "throughput, trainer (eval, TensorBoard, checkpoints incl.)",
         "value": trainer_tp, "unit": "samples/s", "target": "", "ok": None},
        {"metric": "throughput, plain loop (eval incl.)",
         "value": plain_tp, "unit": "samples/s", "target": "", "ok": None},
        {"metric": "throughput ratio trainer / plain", "value": ratio, "unit": "",
         "target": f">= {TARGET_RATIO}", "ok": ratio >= TARGET_RATIO},
        {"metric": "same ratio in CPU time (less sensitive to other jobs)", "value": cpu_ratio,
         "unit": "", "target": "", "ok": None},
        {"metric": "time to first step, trainer", "value": median("trainer", "first_step_s"),
         "unit": "s", "target": "", "ok": None},
        {"metric": "time to first step, plain loop", "value": median("plain", "first_step_s"),
         "unit": "s", "target": "", "ok": None},
        {"metric": "time to first step, trainer - plain", "value": first_step_extra, "unit": "s",
         "target": f"<= {FIRST_STEP_MARGIN_S}", "ok": first_step_extra <= FIRST_STEP_MARGIN_S},
        {"metric": "median within each repeat: throughput ratio / first-step difference (s)",
         "value": f"{statistics.median(paired_ratios):.3g} / "
                  f"{statistics.median(paired('first_step_s')):.3g}",
         "unit": "", "target": "", "ok": None},
        {"metric": "last epoch's train-only throughput, as the trainer reports it",
         "value": median("trainer", "own_throughput"), "unit": "samples/s", "target": "",
         "ok": None},
    ]  # fmt: skip
    previous = 0.0
    for name in PHASES:  # where the trainer's time to first step goes
        at = median("trainer", f"at_{name}")
        rows.append({"metric": f"trainer start-up: {name} done after", "value": at, "unit":
                     f"s (+{at - previous:.2f})", "target": "", "ok": None})  # fmt: skip
        previous = at
    loads = [run["load_before"] for kind in runs for run in runs[kind]]
    description = (
        f"The generated project's `Trainer` (`python -m demo train`, template defaults: "
        f"SmallCNN, AdamW, cosine schedule, deterministic, TensorBoard, a checkpoint per epoch) "
        f"vs a minimal hand-written loop (zero_grad, cross_entropy, backward, step, plus an "
        f"eval pass per epoch) on the same model, Dataset class and split: {N_IMAGES} "
        f"synthetic {IMAGE_SIZE}x{IMAGE_SIZE} grayscale PNGs, batch {BATCH_SIZE} (eval "
        f"{EVAL_BATCH_SIZE}), {EPOCHS} epochs, `torch.set_num_threads({THREADS})` (two threads "
        f"on this shared machine made step times vary 5x), CPU, torch {version('torch')}. "
        f"Throughput is training samples over the wall time of all epochs, eval, logging and "
        f"checkpoints included; time to first step runs from spawning the process to the "
        f"first optimizer step. Fresh processes, alternating (the order flips every repeat), "
        f"median of {repeats} each. Load average before the first run {load_before[0]:.2f}, "
        f"before each run {min(loads):.1f}-{max(loads):.1f}, after the last "
        f"{os.getloadavg()[0]:.2f} (2 cores shared with other jobs)."
    )
    write_results(
        "trainer",
        rows,
        description=description,
        runs=runs,
        load_average={"before": load_before, "after": os.getloadavg()},
        wall_s=time.perf_counter() - started,
    )


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        child(sys.argv[2:])
    else:
        main()
