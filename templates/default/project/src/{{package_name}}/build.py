"""The only place where a config becomes objects; every class below takes plain arguments."""

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from omegaconf import DictConfig
from torch import nn
from torch.utils.data import DataLoader, Dataset, DistributedSampler, Subset

from .datasets import ImageFolderDataset, scan_image_folder, stratified_split
from .errors import ConfigError
from .networks import MLP, SmallCNN
from .trainer import MetricLogger, Trainer, higher_is_better
from .utils.checkpoint import CheckpointKeeper
from .utils.distributed import DistInfo


@dataclass
class DataBundle:
    train_loader: DataLoader
    val_loader: DataLoader
    classes: list[str]


def build_datasets(data: DictConfig) -> tuple[Dataset, Dataset, list[str]]:
    """Scan the image folder and split it into train/val datasets."""
    classes, samples = scan_image_folder(Path(data.root))
    train_idx, val_idx = stratified_split(
        [label for _, label in samples], data.val_fraction, data.split_seed
    )
    options = {
        "channels": data.channels,
        "image_size": list(data.image_size),
        "mean": data.mean,
        "std": data.std,
        "cache_in_memory": data.cache_in_memory,
    }
    train = ImageFolderDataset([samples[i] for i in train_idx], **options)
    val = ImageFolderDataset([samples[i] for i in val_idx], **options)
    return train, val, classes


def build_dataloaders(cfg: DictConfig, *, dist: DistInfo | None = None) -> DataBundle:
    """Datasets -> loaders, honouring overfit_batches and distributed sampling."""
    data, trainer = cfg.data, cfg.trainer
    train_ds, val_ds, classes = build_datasets(data)
    shuffle = True
    if trainer.overfit_batches > 0:
        # Learn and check the very same few samples: the loss must go to ~0.
        train_ds = Subset(
            train_ds, range(min(len(train_ds), trainer.overfit_batches * data.batch_size))
        )
        val_ds, shuffle = train_ds, False
    dist = dist or DistInfo()
    train_sampler = val_sampler = None
    if dist.enabled:
        train_sampler = DistributedSampler(
            train_ds, num_replicas=dist.world_size, rank=dist.rank, shuffle=shuffle, seed=cfg.seed
        )
        val_sampler = DistributedSampler(
            val_ds, num_replicas=dist.world_size, rank=dist.rank, shuffle=False
        )
    workers = data.num_workers
    common = {
        "num_workers": workers,
        "pin_memory": data.pin_memory,
        "persistent_workers": data.persistent_workers and workers > 0,
    }
    train_loader = DataLoader(
        train_ds,
        batch_size=data.batch_size,
        shuffle=shuffle and train_sampler is None,
        sampler=train_sampler,
        generator=torch.Generator().manual_seed(cfg.seed),
        **common,
    )
    val_loader = DataLoader(val_ds, batch_size=data.eval_batch_size, sampler=val_sampler, **common)
    return DataBundle(train_loader, val_loader, classes)


def build_model(
    model: DictConfig, *, in_channels: int, image_size: list[int], num_classes: int
) -> nn.Module:
    """The network named by `model.name`, sized for the data."""
    if model.name == "cnn":
        return SmallCNN(
            in_channels=in_channels,
            num_classes=num_classes,
            channels=list(model.channels),
            pool_size=model.pool_size,
            hidden=model.hidden,
            dropout=model.dropout,
        )
    if model.name == "mlp":
        return MLP(
            in_features=in_channels * math.prod(image_size),
            num_classes=num_classes,
            hidden=list(model.hidden),
            dropout=model.dropout,
        )
    raise ConfigError(f"unknown model '{model.name}': choose one of cnn, mlp")


def build_model_for_data(cfg: DictConfig, num_classes: int) -> nn.Module:
    """`build_model` with input shape taken from `cfg.data`."""
    return build_model(
        cfg.model,
        in_channels=cfg.data.channels,
        image_size=list(cfg.data.image_size),
        num_classes=num_classes,
    )


def build_optimizer(optimizer: DictConfig, params: list[nn.Parameter]) -> torch.optim.Optimizer:
    """AdamW, Adam or SGD with momentum."""
    if optimizer.name == "adamw":
        return torch.optim.AdamW(params, lr=optimizer.lr, weight_decay=optimizer.weight_decay)
    if optimizer.name == "adam":
        return torch.optim.Adam(params, lr=optimizer.lr, weight_decay=optimizer.weight_decay)
    return torch.optim.SGD(
        params, lr=optimizer.lr, momentum=optimizer.momentum, weight_decay=optimizer.weight_decay
    )


def build_scheduler(
    scheduler: DictConfig, optimizer: torch.optim.Optimizer, *, epochs: int
) -> torch.optim.lr_scheduler.LRScheduler | None:
    """Per-epoch LR schedule, or None."""
    if scheduler.name == "cosine":
        return torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=max(epochs, 1))
    if scheduler.name == "step":
        return torch.optim.lr_scheduler.StepLR(
            optimizer, step_size=scheduler.step_size, gamma=scheduler.gamma
        )
    return None


def build_trainer(
    cfg: DictConfig,
    data: DataBundle,
    *,
    device: torch.device,
    dist: DistInfo,
    checkpoints: CheckpointKeeper | None = None,
    logger: MetricLogger | None = None,
    metadata: dict[str, Any] | None = None,
) -> Trainer:
    """Model, optimizer and schedule from the config, assembled into a `Trainer`."""
    t = cfg.trainer
    model = build_model_for_data(cfg, len(data.classes)).to(device)
    optimizer = build_optimizer(cfg.optimizer, list(model.parameters()))
    epochs, max_train, max_val = t.epochs, t.limit_train_batches, t.limit_val_batches
    if t.fast_dev_run:
        epochs, max_train, max_val = 1, 1, 1
    scheduler = build_scheduler(cfg.scheduler, optimizer, epochs=epochs)
    if t.compile:
        model = torch.compile(model)
    if dist.enabled:
        ids = [device.index] if device.type == "cuda" else None
        model = nn.parallel.DistributedDataParallel(model, device_ids=ids)
    return Trainer(
        model,
        optimizer,
        data.train_loader,
        data.val_loader,
        device,
        scheduler=scheduler,
        epochs=epochs,
        precision=t.precision,
        grad_accum_steps=t.grad_accum_steps,
        grad_clip_norm=t.grad_clip_norm,
        max_train_batches=max_train,
        max_val_batches=max_val,
        monitor=t.monitor,
        early_stopping_patience=t.early_stopping_patience,
        shuffle_seed=cfg.seed,
        checkpoints=checkpoints,
        logger=logger,
        metadata=metadata,
        progress=t.progress,
        is_main=dist.is_main,
    )


def build_checkpoint_keeper(cfg: DictConfig, run_dir_name: str) -> CheckpointKeeper:
    """Checkpoints of a run go to `<paths.models>/<run folder name>/`."""
    t = cfg.trainer
    return CheckpointKeeper(
        Path(cfg.paths.models) / run_dir_name,
        monitor=t.monitor,
        higher_is_better=higher_is_better(t.monitor),
        top_k=t.save_top_k,
    )
