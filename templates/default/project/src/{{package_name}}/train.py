"""`train(cfg) -> metrics`: one training run, callable from tests and notebooks without the CLI."""

import os
from pathlib import Path

from omegaconf import DictConfig

from .build import build_checkpoint_keeper, build_dataloaders, build_trainer
from .config import save_config, to_dict
from .utils.console import info
from .utils.device import resolve_device
from .utils.distributed import DistInfo, broadcast_object, cleanup_distributed, init_distributed
from .utils.runs import create_run_dir
from .utils.seed import seed_everything
from .utils.tensorboard import TensorBoardLogger, flatten


def train(cfg: DictConfig) -> dict[str, float]:
    """Train with a validated config (see `config.load_config`); return the final metrics."""
    device = resolve_device(cfg.trainer.device, local_rank=int(os.environ.get("LOCAL_RANK", "0")))
    dist = init_distributed(device.type)
    try:
        return _train(cfg, device, dist)
    finally:
        cleanup_distributed()


def _train(cfg: DictConfig, device, dist: DistInfo) -> dict[str, float]:
    seed_everything(cfg.seed + dist.rank, deterministic=cfg.trainer.deterministic)
    data = build_dataloaders(cfg, dist=dist)
    run_dir = _new_run_dir(cfg, dist)
    logger = TensorBoardLogger(run_dir) if dist.is_main else None
    if dist.is_main:
        save_config(cfg, run_dir / "config.yaml")
        info(f"run folder: {run_dir}  device: {device}  processes: {dist.world_size}")
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
    metrics = trainer.fit()
    if logger is not None:
        logger.log_hparams(flatten(to_dict(cfg)), {k: metrics[k] for k in ("val_acc", "val_loss")})
        logger.close()
    return metrics


def _new_run_dir(cfg: DictConfig, dist: DistInfo) -> Path:
    """Rank 0 creates the run folder; the other processes learn its name."""
    run_name = f"fast-dev-run_{cfg.run_name}" if cfg.trainer.fast_dev_run else cfg.run_name
    name = create_run_dir(Path(cfg.paths.logs), run_name).name if dist.is_main else None
    return Path(cfg.paths.logs) / broadcast_object(name)
