"""`train(cfg) -> metrics`: one training run, callable from tests and notebooks without the CLI."""

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import torch
from omegaconf import DictConfig

from .build import (
    DataBundle,
    build_checkpoint_keeper,
    build_dataloaders,
    build_model_for_data,
    build_trainer,
)
from .config import make_config, save_config, to_dict
from .errors import CheckpointError
from .runs.checkpoint import (
    RESUME_FIELDS,
    check_weights,
    checked_state,
    load_weights,
    remove_stale_checkpoint_tmp,
    run_name_of,
)
from .runs.folders import (
    create_resume_dir,
    create_run_dir,
    latest_resumable,
    track_status,
    update_latest,
)
from .runs.loggers import Loggers, build_loggers, flatten, require_packages
from .runs.sanity import record_sanity_run, source_hash, stale_sanity_warning
from .runs.snapshot import SnapshotTask, start_snapshot
from .utils.console import info, warn
from .utils.device import resolve_device
from .utils.distributed import (
    DistInfo,
    barrier,
    broadcast_object,
    cleanup_distributed,
    init_distributed,
)
from .utils.seed import seed_everything

EpochHook = Callable[[dict[str, float], Path], None]


def train(
    cfg: DictConfig,
    *,
    resume_from: Path | None = None,
    on_epoch: EpochHook | None = None,
    run_info: dict[str, Any] | None = None,
) -> dict[str, float]:
    """Train with a validated config (see `config.load_config`); return the final metrics.

    With `resume_from` (a checkpoint), training continues in that checkpoint's run folder.
    `on_epoch(metrics, run_dir)` is called after each epoch on the main process (a sweep
    reports to its pruner there; an exception with a `run_state` attribute, such as the
    sweep's `PrunedRun`, stops the run and is recorded as that state). `run_info` (e.g. the
    sweep and trial number) is recorded in status.json and snapshot.json.
    """
    require_packages(cfg.logger)  # a missing extra fails before any run folder is made
    device = resolve_device(cfg.trainer.device, local_rank=int(os.environ.get("LOCAL_RANK", "0")))
    if device.type == "cuda":
        torch.cuda.set_device(device)
    dist = init_distributed(device.type)
    try:
        metrics = _train(cfg, device, dist, resume_from, _Hooks(on_epoch, run_info or {}))
        # Rank 0 writes logs after the loop; leaving the group before it is done aborts gloo.
        barrier()
        return metrics
    finally:
        cleanup_distributed()


def resume_config(checkpoint: Path, overrides: list[str], *, project: DictConfig) -> DictConfig:
    """The config stored in `checkpoint`, with overrides (e.g. `trainer.epochs=30`).

    `paths` (where logs and checkpoints are written) come from `project`, the current
    project's config, never from the checkpoint: a checkpoint may come from anywhere.
    """
    stored = dict(checked_state(checkpoint, fields=RESUME_FIELDS)["config"])
    stored["paths"] = to_dict(project)["paths"]
    return make_config(stored, overrides)


def find_checkpoint(spec: str, logs_dir: Path, models_dir: Path) -> Path:
    """`last` -> `last.pt` of the latest run that is no fast-dev-run; else a checkpoint path."""
    if spec != "last":
        path = Path(spec)
        if not path.is_file():
            raise CheckpointError(f"checkpoint {path} not found: pass a .pt file or `last`")
        return path
    path, skipped = latest_resumable(logs_dir, models_dir)
    names = ", ".join(skipped[:3]) + (f" and {len(skipped) - 3} more" if len(skipped) > 3 else "")
    note = f" (skipped {names}: fast-dev-run or no checkpoint)" if skipped else ""
    info(f"--resume last: resuming run {path.parent.name}{note}")
    return path


class _Hooks:
    """What a caller (e.g. a sweep) adds to a run: a per-epoch callback and run info."""

    def __init__(self, on_epoch: EpochHook | None, run_info: dict[str, Any]) -> None:
        self.on_epoch = on_epoch
        self.run_info = run_info


class _EpochLogger:
    """The trainer's logger: passes each epoch's metrics to the loggers, then to `on_epoch`."""

    def __init__(self, logger: Loggers | None, on_epoch: EpochHook, run_dir: Path) -> None:
        self.logger, self.on_epoch, self.run_dir = logger, on_epoch, run_dir

    @classmethod
    def wrap(
        cls, logger: Loggers | None, on_epoch: EpochHook | None, run_dir: Path, dist: DistInfo
    ) -> "Loggers | _EpochLogger | None":
        """`logger` as it is, or wrapped when there is a hook (main process only)."""
        if on_epoch is None or not dist.is_main:
            return logger
        return cls(logger, on_epoch, run_dir)

    def log_metrics(self, metrics: dict[str, float], step: int) -> None:
        if self.logger is not None:
            self.logger.log_metrics(metrics, step)
        self.on_epoch(metrics, self.run_dir)


def _train(
    cfg: DictConfig,
    device: torch.device,
    dist: DistInfo,
    resume_from: Path | None,
    hooks: _Hooks,
) -> dict[str, float]:
    seed_everything(cfg.seed + dist.rank, deterministic=cfg.trainer.deterministic)
    state = None
    if resume_from is not None:
        state = checked_state(resume_from, map_location=device, fields=RESUME_FIELDS)
    if dist.is_main:
        for tmp in remove_stale_checkpoint_tmp(Path(cfg.paths.models)):
            info(f"removed {tmp}, left by a checkpoint save that was killed")
    data = build_dataloaders(cfg, dist=dist)
    if state is not None and resume_from is not None:
        _check_resume_fits(cfg, data, state, resume_from)
    code_hash = source_hash()
    status_info = _status_info(cfg, dist, code_hash) | hooks.run_info
    run_dir = _run_dir(cfg, dist, state)
    # From here on the run folder exists: any failure is recorded as "failed" in status.json.
    logger = None
    try:
        with track_status(run_dir, enabled=dist.is_main, **status_info) as status:
            snapshot = None
            if dist.is_main:
                snapshot, logger = _start_records(cfg, run_dir, state, hooks.run_info)
            epoch_logger = _EpochLogger.wrap(logger, hooks.on_epoch, run_dir, dist)
            with _completed_before_end(snapshot):
                metrics = _fit(
                    cfg, data, device, dist, run_dir, logger, state, resume_from, epoch_logger
                )
                status["metrics"] = metrics
                if dist.is_main:
                    _evaluate_best(cfg, data, device, run_dir)
        if dist.is_main and cfg.trainer.fast_dev_run:
            record_sanity_run(Path(cfg.paths.logs), run_dir, code_hash)
    finally:
        if logger is not None:
            logger.close()
    return metrics


def _check_resume_fits(
    cfg: DictConfig, data: DataBundle, state: dict[str, Any], resume_from: Path
) -> None:
    """Before the run folder is touched: a checkpoint that misfits leaves it as it was."""
    if state["classes"] != data.classes:
        raise CheckpointError(
            f"{resume_from} was trained on the classes {_names(state['classes'])}, "
            f"{cfg.data.root} has {_names(data.classes)}: resume with the same data"
        )
    with torch.device("meta"):
        check_weights(
            build_model_for_data(cfg, len(data.classes), load_weights=False),
            state["model"],
            resume_from,
        )


def _start_records(
    cfg: DictConfig, run_dir: Path, state: dict[str, Any] | None, run_info: dict[str, Any]
) -> tuple[SnapshotTask, Loggers]:
    """Rank 0: the config and snapshot (of the run, or of this resume), then the loggers."""
    snapshot_dir = create_resume_dir(run_dir) if state else run_dir
    snapshot = _record_start(cfg, snapshot_dir, run_info)
    if "mlflow" in cfg.logger:
        snapshot.wait()  # the MLflow logger uploads the snapshot files when it is built
    logger = build_loggers(
        cfg.logger,
        run_dir,
        start_epoch=int(state["epoch"]) if state else 0,
        config=to_dict(cfg),
        snapshot_dir=snapshot_dir,
    )
    return snapshot, logger


def _fit(
    cfg: DictConfig,
    data: DataBundle,
    device: torch.device,
    dist: DistInfo,
    run_dir: Path,
    logger: Loggers | None,
    state: dict[str, Any] | None,
    resume_from: Path | None,
    epoch_logger: "Loggers | _EpochLogger | None",
) -> dict[str, float]:
    """Build the trainer, restore `state` if resuming, train and log the hyperparameters."""
    trainer = build_trainer(
        cfg,
        data,
        device=device,
        dist=dist,
        checkpoints=build_checkpoint_keeper(cfg, run_dir.name),
        logger=epoch_logger,
        metadata={
            "config": to_dict(cfg),
            "classes": data.classes,
            "seed": cfg.seed,
            "run": run_dir.name,
        },
    )
    if state is not None:
        trainer.load_state_dict(state, source=resume_from)
        info(
            f"resumed from {resume_from} after epoch {trainer.epoch}; "
            f"TensorBoard events go to {run_dir}"
        )
        if trainer.epoch >= trainer.epochs:
            done = f"{trainer.epoch} epoch{'s' if trainer.epoch != 1 else ''}"
            hint = (
                "this is a fast-dev-run (always 1 epoch): pass trainer.fast_dev_run=false"
                if cfg.trainer.fast_dev_run
                else f"resume with trainer.epochs=N (N > {trainer.epoch}) to go on"
            )
            warn(f"nothing to do: {done} of {trainer.epochs} done; {hint}")
    metrics = trainer.fit()
    if logger is not None:
        final = {k: metrics[k] for k in ("val_acc", "val_loss") if k in metrics}
        logger.log_hparams(flatten(to_dict(cfg)), final)
    return metrics


def _status_info(cfg: DictConfig, dist: DistInfo, code_hash: str) -> dict[str, Any]:
    """What status.json records besides the state; warns on a full run without sanity run."""
    t = cfg.trainer
    fields = {"debug": t.fast_dev_run, "world_size": dist.world_size, "source_hash": code_hash}
    full_run = not (t.fast_dev_run or t.overfit_batches or t.limit_train_batches)
    if dist.is_main and full_run:
        fields["sanity_warning"] = stale_sanity_warning(Path(cfg.paths.logs), code_hash)
        if fields["sanity_warning"]:
            warn(fields["sanity_warning"])
    return fields


def _run_dir(cfg: DictConfig, dist: DistInfo, state: dict[str, Any] | None) -> Path:
    """A new run folder (made by rank 0, name shared), or the resumed run's folder."""
    logs = Path(cfg.paths.logs)
    if state is not None:
        name = run_name_of(state, Path("checkpoint"))  # checked on load; never a path
    else:
        run_name = f"fast-dev-run_{cfg.run_name}" if cfg.trainer.fast_dev_run else cfg.run_name
        name = create_run_dir(logs, run_name).name if dist.is_main else None
        name = broadcast_object(name)
    run_dir = logs / name
    if dist.is_main:
        run_dir.mkdir(parents=True, exist_ok=True)
        update_latest(logs, run_dir)
    return run_dir


def _evaluate_best(cfg: DictConfig, data: DataBundle, device: torch.device, run_dir: Path) -> None:
    """Per-class view of the best checkpoint on the validation split, in `<run>/eval/val/`."""
    from .evaluate import evaluate_model  # matplotlib: imported only when needed
    from .infer import LoadedModel

    best = Path(cfg.paths.models) / run_dir.name / "best.pt"
    if not best.exists():
        return
    state = checked_state(best, map_location=device)
    model = build_model_for_data(cfg, len(data.classes), load_weights=False)
    load_weights(model, state["model"], best)
    loaded = LoadedModel(
        model.to(device).eval(), cfg, data.classes, run_dir.name, state["epoch"], best
    )
    limit = 1 if cfg.trainer.fast_dev_run else cfg.trainer.limit_val_batches
    result = evaluate_model(
        loaded,
        data.val_loader.dataset,
        split="val",
        out_dir=run_dir / "eval" / "val",
        events_dir=run_dir if "tensorboard" in cfg.logger else None,
        device=device,
        batch_size=cfg.data.eval_batch_size,
        max_batches=limit,
    )
    info(
        f"best checkpoint on val: accuracy {result.metrics['accuracy']:.4f}, "
        f"macro F1 {result.metrics['macro_avg']['f1']:.4f}; per-class view in {result.out_dir}"
    )


def _names(classes: list[str], shown: int = 5) -> str:
    return "[" + ", ".join(classes[:shown]) + (", ...]" if len(classes) > shown else "]")


@contextmanager
def _completed_before_end(snapshot: SnapshotTask | None) -> Iterator[None]:
    """Wait for the background snapshot however the block ends, before the status records it.

    When the block failed, its error is the one reported, not a snapshot error after it.
    """
    if snapshot is None:
        yield
        return
    try:
        yield
    except BaseException:
        with suppress(Exception):
            snapshot.wait()
        raise
    snapshot.wait()


def _record_start(cfg: DictConfig, folder: Path, run_info: dict[str, Any]) -> SnapshotTask:
    """Config and snapshot into the run folder, or a resume's own `resume-N/` folder.

    The config is written at once; the rest of the snapshot in the background (see
    `runs/snapshot.py`), its warnings printed as soon as they are known. `run_info` (e.g. the
    sweep and trial this run belongs to) goes into snapshot.json.
    """
    save_config(cfg, folder / "config.yaml")
    datasets = {cfg.data.name: Path(cfg.data.root)}
    registry = Path(cfg.paths.data_registry)
    task = start_snapshot(
        folder,
        seed=cfg.seed,
        datasets=datasets,
        registry=registry,
        on_warning=warn,
        extra=run_info,
    )
    info(f"run folder: {folder}")
    return task
