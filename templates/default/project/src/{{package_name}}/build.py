"""The only place where a config becomes objects; every class below takes plain arguments."""

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

import torch
from omegaconf import DictConfig, OmegaConf
from torch import nn
from torch.utils.data import DataLoader, DistributedSampler, Subset

from .config import unregistered_model_message
from .datasets import (
    DEFAULT_MAX_PIXELS,
    ImageFolderDataset,
    Pipeline,
    build_pipeline,
    default_pipeline,
    scan_dataset,
    split_samples,
)
from .errors import ConfigError
from .networks import MLP, SmallCNN, build_torchvision_model
from .runs.checkpoint import CheckpointKeeper
from .trainer import MetricLogger, Trainer, higher_is_better
from .utils.distributed import DistInfo


@dataclass
class DataBundle:
    train_loader: DataLoader
    val_loader: DataLoader
    classes: list[str]


class DataSplits(NamedTuple):
    """The train, val and test datasets and the class names (index = label)."""

    train: ImageFolderDataset
    val: ImageFolderDataset
    test: ImageFolderDataset
    classes: list[str]


def build_datasets(cfg: DictConfig) -> DataSplits:
    """Scan the dataset folder (the whole config, or its `data` section) and split it.

    A folder with `train/` and `val/` (and optionally `test/`) keeps its own splits; otherwise
    one stratified, deterministic split by `data.val_fraction` and `data.test_fraction`. The
    test split is empty only when the folder has no `test/` or `data.test_fraction` is 0.
    Train samples get the `data.transforms.train` pipeline, val and test `data.transforms.eval`.
    """
    data = cfg.data if "data" in cfg else cfg
    files = scan_dataset(Path(data.root))
    splits = split_samples(
        files,
        val_fraction=data.val_fraction,
        test_fraction=data.test_fraction,
        seed=data.split_seed,
    )
    return DataSplits(
        train=build_image_dataset(data, splits["train"], train=True),
        val=build_image_dataset(data, splits["val"], train=False),
        test=build_image_dataset(data, splits["test"], train=False),
        classes=files.classes,
    )


def build_transform(data: DictConfig, *, train: bool) -> Pipeline:
    """The `data.transforms.train` or `.eval` pipeline (null: resize + normalize)."""
    key = f"data.transforms.{'train' if train else 'eval'}"
    spec = OmegaConf.select(data, f"transforms.{'train' if train else 'eval'}", default=None)
    if spec is None:
        spec = default_pipeline(list(data.image_size), data.mean, data.std)
    elif OmegaConf.is_config(spec):
        spec = OmegaConf.to_container(spec, resolve=True)
    return build_pipeline(spec, key=key)


def build_image_dataset(
    data: DictConfig, samples: Sequence[tuple[Path, int]], *, train: bool = False
) -> ImageFolderDataset:
    """`samples` as a dataset with the config's channels, pipeline, cache and error policy.

    `infer` and `evaluate` use it with `train=False`, so they see what validation saw.
    """
    return ImageFolderDataset(
        samples,
        channels=data.channels,
        image_size=list(data.image_size),
        cache_in_memory=data.cache_in_memory,
        transform=build_transform(data, train=train),
        transform_key=f"data.transforms.{'train' if train else 'eval'}",
        on_unreadable=OmegaConf.select(data, "on_unreadable", default="error"),
        max_pixels=OmegaConf.select(data, "max_image_pixels", default=DEFAULT_MAX_PIXELS),
    )


def build_dataloaders(cfg: DictConfig, *, dist: DistInfo | None = None) -> DataBundle:
    """Datasets -> loaders, honouring overfit_batches and distributed sampling."""
    data, trainer = cfg.data, cfg.trainer
    train_ds, val_ds, _, classes = build_datasets(cfg)
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
    model: DictConfig,
    *,
    in_channels: int,
    image_size: list[int],
    num_classes: int,
    load_weights: bool = True,
) -> nn.Module:
    """The network named by `model.name`, sized for the data.

    A new network is registered twice: its config dataclass in `config.MODEL_SCHEMAS` and its
    constructor here. `load_weights=False` skips `model.weights` (a checkpoint follows anyway).
    """
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
    if OmegaConf.select(model, "library", default=None) == "torchvision":
        return build_torchvision_model(
            model.name,
            num_classes=num_classes,
            in_channels=in_channels,
            weights=model.weights if load_weights else None,
        )
    raise ConfigError(unregistered_model_message(model.name))


def build_model_for_data(
    cfg: DictConfig, num_classes: int, *, load_weights: bool = True
) -> nn.Module:
    """`build_model` with input shape taken from `cfg.data`.

    Pass `load_weights=False` where a checkpoint's weights are loaded next (infer, evaluate,
    resume), so `model.weights` need not exist on that machine.
    """
    return build_model(
        cfg.model,
        in_channels=cfg.data.channels,
        image_size=list(cfg.data.image_size),
        num_classes=num_classes,
        load_weights=load_weights,
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
        if t.deterministic:  # inductor's own switch (compiling imports inductor anyway)
            torch.use_deterministic_algorithms(True, warn_only=True)
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
