"""The training loop, built from finished parts: model, optimizer, loaders and device.

`Trainer` knows nothing about configs; `build.py` and `train.py` assemble it.
"""

import contextlib
import math
import time
from collections.abc import Callable
from itertools import islice
from pathlib import Path
from typing import Any, Literal, Protocol

import torch
from torch import nn
from torch.utils.data import DataLoader

from .errors import CheckpointError, NonFiniteLossError
from .runs.checkpoint import CheckpointKeeper, atomic_save, load_checkpoint_file, load_weights
from .utils.console import info, make_progress
from .utils.distributed import all_reduce_sum
from .utils.seed import capture_rng_state, restore_rng_state

Batch = tuple[torch.Tensor, torch.Tensor]
Precision = Literal["fp32", "bf16", "fp16"]


class MetricLogger(Protocol):
    def log_metrics(self, metrics: dict[str, float], step: int) -> None: ...


class TrainerProtocol(Protocol):
    """What `train.py` needs from a trainer; write your own against this contract."""

    def fit(self) -> dict[str, float]: ...
    def train_step(self, batch: Batch, *, step_optimizer: bool = True) -> torch.Tensor: ...
    def evaluate(self) -> dict[str, float]: ...
    def save_checkpoint(self, path: Path) -> None: ...
    def load_checkpoint(self, path: Path) -> None: ...


class Trainer:
    """Supervised classification with AMP, gradient accumulation/clipping and early stopping."""

    def __init__(
        self,
        model: nn.Module,
        optimizer: torch.optim.Optimizer,
        train_loader: DataLoader,
        val_loader: DataLoader,
        device: torch.device,
        *,
        scheduler: torch.optim.lr_scheduler.LRScheduler | None = None,
        loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor] | None = None,
        epochs: int = 1,
        precision: Precision = "fp32",
        grad_accum_steps: int = 1,
        grad_clip_norm: float | None = None,
        max_train_batches: int = 0,
        max_val_batches: int = 0,
        monitor: str = "val_acc",
        early_stopping_patience: int = 0,
        shuffle_seed: int = 0,
        checkpoints: CheckpointKeeper | None = None,
        logger: MetricLogger | None = None,
        metadata: dict[str, Any] | None = None,
        progress: bool = False,
        is_main: bool = True,
    ) -> None:
        self.model = model.to(device)
        self.optimizer = optimizer
        self.train_loader = train_loader
        self.val_loader = val_loader
        self.device = device
        self.scheduler = scheduler
        self.loss_fn = loss_fn or nn.CrossEntropyLoss()
        self.epochs = epochs
        self.grad_accum_steps = max(grad_accum_steps, 1)
        self.grad_clip_norm = grad_clip_norm
        self.max_train_batches = max_train_batches
        self.max_val_batches = max_val_batches
        self.monitor = monitor
        self.higher_is_better = higher_is_better(monitor)
        self.early_stopping_patience = early_stopping_patience
        self.shuffle_seed = shuffle_seed
        self.checkpoints = checkpoints
        self.logger = logger
        self.metadata = metadata or {}
        self.progress = progress and is_main
        self.is_main = is_main
        self.amp_dtype = {"bf16": torch.bfloat16, "fp16": torch.float16}.get(precision)
        # Loss scaling only matters for fp16 on CUDA; elsewhere the scaler is a no-op.
        self.scaler = _grad_scaler(enabled=precision == "fp16" and device.type == "cuda")
        self.epoch = 0  # epochs completed
        self.global_step = 0  # optimizer steps taken
        self.best_value: float | None = None
        self.epochs_without_improvement = 0
        self.metrics: dict[str, float] = {}  # of the last finished epoch

    # ---------------------------------------------------------------- the loop
    def fit(self) -> dict[str, float]:
        """Train until `epochs` (or early stopping); return the last epoch's metrics."""
        while self.epoch < self.epochs:
            started = time.perf_counter()
            lr = self.optimizer.param_groups[0]["lr"]
            metrics = {**self.train_epoch(), **self.evaluate(), "lr": lr}
            self.epoch += 1
            if self.scheduler is not None:
                self.scheduler.step()
            improved = self._track_best(metrics[self.monitor])
            metrics |= {"epoch": self.epoch, f"best_{self.monitor}": self.best_value}
            self.metrics = metrics
            self._report(metrics, time.perf_counter() - started)
            if self.checkpoints is not None and self.is_main:
                self.checkpoints.save(
                    self.state_dict(), epoch=self.epoch, value=metrics[self.monitor]
                )
            if not improved and 0 < self.early_stopping_patience <= self.epochs_without_improvement:
                info(
                    f"early stopping: no {self.monitor} improvement "
                    f"for {self.epochs_without_improvement} epochs"
                )
                break
        return self.metrics

    def train_epoch(self) -> dict[str, float]:
        """One pass over the training batches; metrics are summed over all processes."""
        self.model.train()
        self._seed_shuffle(self.epoch)
        totals = torch.zeros(3, device=self.device)  # loss sum, correct, samples
        n_batches = _limit(len(self.train_loader), self.max_train_batches)
        seen, started = 0, time.perf_counter()
        with make_progress(enabled=self.progress) as bar:
            task = bar.add_task(f"epoch {self.epoch + 1}/{self.epochs}", total=n_batches, rate="")
            for index, batch in enumerate(islice(self.train_loader, n_batches)):
                last_of_group = (index + 1) % self.grad_accum_steps == 0 or index + 1 == n_batches
                totals += self.train_step(batch, step_optimizer=last_of_group)
                seen += len(batch[1])
                rate = seen / max(time.perf_counter() - started, 1e-9)
                bar.update(task, advance=1, rate=f"{rate:,.0f} samples/s")
        loss_sum, correct, samples = all_reduce_sum(totals).tolist()
        return {
            "train_loss": loss_sum / max(samples, 1),
            "train_acc": correct / max(samples, 1),
            "throughput": samples / max(time.perf_counter() - started, 1e-9),
        }

    def train_step(self, batch: Batch, *, step_optimizer: bool = True) -> torch.Tensor:
        """Forward, backward and (every `grad_accum_steps` batches) an optimizer step.

        Returns this batch's (loss sum, correct, samples) as a tensor, for epoch metrics.
        """
        inputs, targets = (t.to(self.device, non_blocking=True) for t in batch)
        with self._autocast():
            logits = self.model(inputs)
            loss = self.loss_fn(logits, targets)
        if not torch.isfinite(loss):
            raise NonFiniteLossError(
                f"loss is {loss.item()} at epoch {self.epoch + 1}, step {self.global_step}: "
                "lower optimizer.lr or set trainer.grad_clip_norm; the last good checkpoint is kept"
            )
        self.scaler.scale(loss / self.grad_accum_steps).backward()
        if step_optimizer:
            if self.grad_clip_norm:
                self.scaler.unscale_(self.optimizer)
                nn.utils.clip_grad_norm_(self.model.parameters(), self.grad_clip_norm)
            self.scaler.step(self.optimizer)
            self.scaler.update()
            self.optimizer.zero_grad(set_to_none=True)
            self.global_step += 1
        return _batch_totals(loss.detach(), logits.detach(), targets)

    @torch.no_grad()
    def evaluate(self) -> dict[str, float]:
        """Loss and accuracy on the validation loader, summed over all processes."""
        self.model.eval()
        totals = torch.zeros(3, device=self.device)
        n_batches = _limit(len(self.val_loader), self.max_val_batches)
        for inputs, targets in islice(self.val_loader, n_batches):
            inputs, targets = inputs.to(self.device), targets.to(self.device)
            with self._autocast():
                logits = self.model(inputs)
            loss = self.loss_fn(logits.float(), targets)
            totals += _batch_totals(loss, logits, targets)
        loss_sum, correct, samples = all_reduce_sum(totals).tolist()
        return {"val_loss": loss_sum / max(samples, 1), "val_acc": correct / max(samples, 1)}

    # ---------------------------------------------------------------- checkpoints
    def state_dict(self) -> dict[str, Any]:
        """Everything needed to resume exactly; tensors and plain values only."""
        return {
            "model": unwrap(self.model).state_dict(),
            "optimizer": self.optimizer.state_dict(),
            "scheduler": self.scheduler.state_dict() if self.scheduler is not None else None,
            "scaler": self.scaler.state_dict(),
            "epoch": self.epoch,
            "global_step": self.global_step,
            "best_value": self.best_value,
            "epochs_without_improvement": self.epochs_without_improvement,
            "metrics": self.metrics,
            "rng": capture_rng_state(),
            **self.metadata,
        }

    def load_state_dict(self, state: dict[str, Any], *, source: Path | str = "checkpoint") -> None:
        """Restore what `state_dict` saved; a state that does not fit is one CheckpointError.

        A cosine schedule keeps the length this trainer was built with (`epochs`), so resuming
        with more epochs goes on along the longer schedule from the resumed step.
        """
        load_weights(unwrap(self.model), state["model"], Path(source))
        try:
            self.optimizer.load_state_dict(state["optimizer"])
            if self.scheduler is not None and state.get("scheduler") is not None:
                built_for = getattr(self.scheduler, "T_max", None)
                self.scheduler.load_state_dict(state["scheduler"])
                _fit_schedule_to(self.scheduler, built_for)
            if state.get("scaler"):
                self.scaler.load_state_dict(state["scaler"])
            restore_rng_state(state["rng"])
        except (KeyError, TypeError, ValueError, RuntimeError, IndexError) as err:
            reason = str(err).splitlines()[0] if str(err) else type(err).__name__
            raise CheckpointError(f"cannot resume from {source}: {reason}") from None
        self.epoch = state["epoch"]
        self.global_step = state["global_step"]
        self.best_value = state.get("best_value")
        self.epochs_without_improvement = state.get("epochs_without_improvement", 0)
        self.metrics = state.get("metrics", {})

    def save_checkpoint(self, path: Path) -> None:
        """Write the full training state to `path` atomically."""
        atomic_save(self.state_dict(), Path(path))

    def load_checkpoint(self, path: Path) -> None:
        """Resume from a checkpoint written by `save_checkpoint` or the keeper."""
        state = load_checkpoint_file(Path(path), map_location=self.device)
        self.load_state_dict(state, source=path)

    # ---------------------------------------------------------------- helpers
    def _autocast(self) -> contextlib.AbstractContextManager[Any]:
        if self.amp_dtype is None:
            return contextlib.nullcontext()
        return torch.autocast(self.device.type, dtype=self.amp_dtype)

    def _seed_shuffle(self, epoch: int) -> None:
        """Make epoch N's shuffle depend only on (seed, N), so a resumed run sees the same order."""
        sampler = getattr(self.train_loader, "sampler", None)
        if hasattr(sampler, "set_epoch"):
            sampler.set_epoch(epoch)
        elif self.train_loader.generator is not None:
            self.train_loader.generator.manual_seed(self.shuffle_seed + epoch)

    def _track_best(self, value: float) -> bool:
        better = self.best_value is None or (
            value > self.best_value if self.higher_is_better else value < self.best_value
        )
        if better and math.isfinite(value):
            self.best_value, self.epochs_without_improvement = value, 0
            return True
        self.epochs_without_improvement += 1
        return False

    def _report(self, metrics: dict[str, float], seconds: float) -> None:
        if not self.is_main:
            return
        if self.logger is not None:
            self.logger.log_metrics(metrics, step=self.epoch)
        info(
            f"epoch {self.epoch}/{self.epochs}  train_loss {metrics['train_loss']:.4f}  "
            f"train_acc {metrics['train_acc']:.4f}  val_loss {metrics['val_loss']:.4f}  "
            f"val_acc {metrics['val_acc']:.4f}  "
            f"({seconds:.1f} s, {metrics['throughput']:,.0f} samples/s)"
        )


def higher_is_better(monitor: str) -> bool:
    """Accuracies improve upwards, losses downwards."""
    return not monitor.endswith("loss")


def unwrap(model: nn.Module) -> nn.Module:
    """The plain module inside DistributedDataParallel and/or torch.compile wrappers."""
    while True:
        inner = getattr(model, "module", None) or getattr(model, "_orig_mod", None)
        if not isinstance(inner, nn.Module):
            return model
        model = inner


def _batch_totals(
    mean_loss: torch.Tensor, logits: torch.Tensor, targets: torch.Tensor
) -> torch.Tensor:
    """(loss sum, correct, samples) of one batch, kept on the device (no sync per step)."""
    n = targets.new_tensor(len(targets), dtype=torch.float)
    correct = (logits.argmax(dim=1) == targets).sum().float()
    return torch.stack([mean_loss.float() * n, correct, n])


def _fit_schedule_to(
    scheduler: torch.optim.lr_scheduler.LRScheduler, built_for: int | None
) -> None:
    """After loading a cosine schedule's state: keep the length it was built with, `built_for`.

    The loaded state holds the old run's `T_max`; with more (or fewer) epochs than before, the
    learning rate would reach 0 too early and the cosine would start over. Instead the schedule
    continues from the resumed step along the cosine of the new length (its closed form).
    """
    if not isinstance(scheduler, torch.optim.lr_scheduler.CosineAnnealingLR):
        return
    if built_for is None or built_for == scheduler.T_max:
        return
    step = scheduler.last_epoch
    lrs = [
        scheduler.eta_min
        + (base - scheduler.eta_min) * (1 + math.cos(math.pi * step / built_for)) / 2
        for base in scheduler.base_lrs
    ]
    state = scheduler.state_dict() | {"T_max": built_for, "_last_lr": lrs}
    scheduler.load_state_dict(state)
    for group, lr in zip(scheduler.optimizer.param_groups, lrs, strict=True):
        group["lr"] = lr
    info(f"cosine schedule set to {built_for} epochs: lr continues at {lrs[0]:.3g}")


def _grad_scaler(*, enabled: bool) -> "torch.amp.GradScaler":  # quoted: torch 2.2 lacks it
    if hasattr(torch.amp, "GradScaler"):  # torch >= 2.3
        return torch.amp.GradScaler("cuda", enabled=enabled)
    return torch.cuda.amp.GradScaler(enabled=enabled)  # torch 2.2


def _limit(available: int, limit: int) -> int:
    return min(available, limit) if limit > 0 else available
