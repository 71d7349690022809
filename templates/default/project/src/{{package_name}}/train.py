"""`train(cfg) -> metrics`: one training run, callable from tests and notebooks without the CLI."""

import os
from pathlib import Path
from typing import Any

import torch
from omegaconf import DictConfig

from .build import build_checkpoint_keeper, build_dataloaders, build_trainer
from .config import make_config, save_config, to_dict
from .errors import CheckpointError
from .utils.checkpoint import load_checkpoint_file
from .utils.console import info, warn
from .utils.device import resolve_device
from .utils.distributed import (
    DistInfo,
    barrier,
    broadcast_object,
    cleanup_distributed,
    init_distributed,
)
from .utils.runs import create_run_dir, resolve_latest, track_status, update_latest
from .utils.sanity import record_sanity_run, source_hash, stale_sanity_warning
from .utils.seed import seed_everything
from .utils.snapshot import write_snapshot
from .utils.tensorboard import TensorBoardLogger, flatten


def train(cfg: DictConfig, *, resume_from: Path | None = None) -> dict[str, float]:
    """Train with a validated config (see `config.load_config`); return the final metrics.

    With `resume_from` (a checkpoint), training continues in that checkpoint's run folder.
    """
    device = resolve_device(cfg.trainer.device, local_rank=int(os.environ.get("LOCAL_RANK", "0")))
    if device.type == "cuda":
        torch.cuda.set_device(device)
    dist = init_distributed(device.type)
    try:
        metrics = _train(cfg, device, dist, resume_from)
        # Rank 0 writes logs after the loop; leaving the group before it is done aborts gloo.
        barrier()
        return metrics
    finally:
        cleanup_distributed()


def resume_config(checkpoint: Path, overrides: list[str]) -> DictConfig:
    """The config stored in `checkpoint`, with overrides (e.g. `trainer.epochs=30`)."""
    return make_config(load_checkpoint_file(checkpoint)["config"], overrides)


def find_checkpoint(spec: str, logs_dir: Path, models_dir: Path) -> Path:
    """`last` -> `models/<run of logs/latest>/last.pt`; anything else is a checkpoint path."""
    if spec != "last":
        return Path(spec)
    path = models_dir / resolve_latest(logs_dir).name / "last.pt"
    if not path.exists():
        raise CheckpointError(f"{path} does not exist: the latest run saved no checkpoint")
    return path


def _train(
    cfg: DictConfig, device: torch.device, dist: DistInfo, resume_from: Path | None
) -> dict[str, float]:
    seed_everything(cfg.seed + dist.rank, deterministic=cfg.trainer.deterministic)
    state = load_checkpoint_file(resume_from, map_location=device) if resume_from else None
    data = build_dataloaders(cfg, dist=dist)
    run_dir = _run_dir(cfg, dist, state)
    logger = TensorBoardLogger(run_dir) if dist.is_main else None
    if dist.is_main:
        _record_start(cfg, run_dir)
    trainer = build_trainer(
        cfg,
        data,
        device=device,
        dist=dist,
        checkpoints=build_checkpoint_keeper(cfg, run_dir.name),
        logger=logger,
        metadata={
            "config": to_dict(cfg),
            "classes": data.classes,
            "seed": cfg.seed,
            "run": run_dir.name,
        },
    )
    if state is not None:
        trainer.load_state_dict(state)
        info(f"resumed from {resume_from} after epoch {trainer.epoch}")
        if trainer.epoch >= trainer.epochs:
            warn(
                f"nothing to do: {trainer.epoch} epochs done; resume with trainer.epochs=N to go on"
            )
    code_hash = source_hash()
    status_info = _status_info(cfg, dist, code_hash)
    try:
        with track_status(run_dir, enabled=dist.is_main, **status_info) as status:
            metrics = trainer.fit()
            status["metrics"] = metrics
        if dist.is_main and cfg.trainer.fast_dev_run:
            record_sanity_run(Path(cfg.paths.logs), run_dir, code_hash)
        if logger is not None:
            final = {k: metrics[k] for k in ("val_acc", "val_loss")}
            logger.log_hparams(flatten(to_dict(cfg)), final)
    finally:
        if logger is not None:
            logger.close()
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
        name = state["run"]
    else:
        run_name = f"fast-dev-run_{cfg.run_name}" if cfg.trainer.fast_dev_run else cfg.run_name
        name = create_run_dir(logs, run_name).name if dist.is_main else None
        name = broadcast_object(name)
    run_dir = logs / name
    if dist.is_main:
        run_dir.mkdir(parents=True, exist_ok=True)
        update_latest(logs, run_dir)
    return run_dir


def _record_start(cfg: DictConfig, run_dir: Path) -> None:
    save_config(cfg, run_dir / "config.yaml")
    datasets = {cfg.data.name: Path(cfg.data.root)}
    registry = Path(cfg.paths.data_registry)
    for message in write_snapshot(run_dir, seed=cfg.seed, datasets=datasets, registry=registry):
        warn(message)
    info(f"run folder: {run_dir}")
