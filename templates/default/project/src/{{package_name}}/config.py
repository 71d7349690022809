"""Config schema and loading.

A config is YAML composed from files (`defaults:` lists a base file or a `group: choice` such as
`model: cnn` -> `configs/model/cnn.yaml`), then `key=value` overrides from the command line, all
validated against the dataclass schema below. Only `build.py` turns a config into objects.
"""

import dataclasses
import typing
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml
from omegaconf import DictConfig, OmegaConf
from omegaconf.errors import ConfigKeyError, OmegaConfBaseException

from .errors import ConfigError
from .validate import check_ranges

DEFAULT_CONFIG = Path("configs/default.yaml")
GROUPS = ("model",)


@dataclass
class ModelConfig:
    name: str = "???"


@dataclass
class CNNConfig(ModelConfig):
    name: Literal["cnn"] = "cnn"
    channels: list[int] = field(default_factory=lambda: [32, 64])
    pool_size: int = 2
    hidden: int = 128
    dropout: float = 0.1


@dataclass
class MLPConfig(ModelConfig):
    name: Literal["mlp"] = "mlp"
    hidden: list[int] = field(default_factory=lambda: [256, 128])
    dropout: float = 0.1


@dataclass
class TorchvisionConfig(ModelConfig):
    """Any torchvision classification network by name (`model=torchvision model.name=...`)."""

    name: str = "resnet18"
    library: Literal["torchvision"] = "torchvision"
    weights: str | None = None  # a local .pth file; nothing is ever downloaded


MODEL_SCHEMAS: dict[str, type[ModelConfig]] = {"cnn": CNNConfig, "mlp": MLPConfig}
# Configs with `library: <name>` take any network name that library builds.
LIBRARY_SCHEMAS: dict[str, type[ModelConfig]] = {"torchvision": TorchvisionConfig}


@dataclass
class TransformsConfig:
    """Pipelines of `datasets/transforms.py`; null = resize to image_size, normalize."""

    train: list[Any] | None = None
    eval: list[Any] | None = None


@dataclass
class DataConfig:
    name: str = "digits"
    root: str = "data/digits"
    channels: Literal[1, 3] = 1
    image_size: list[int] = field(default_factory=lambda: [8, 8])
    mean: float = 0.5
    std: float = 0.5
    val_fraction: float = 0.2
    test_fraction: float = 0.1
    split_seed: int = 0
    transforms: TransformsConfig = field(default_factory=TransformsConfig)
    on_unreadable: Literal["error", "skip"] = "error"
    max_image_pixels: int = 89_478_485
    batch_size: int = 64
    eval_batch_size: int = 256
    num_workers: int = 0
    pin_memory: bool = False
    persistent_workers: bool = False
    cache_in_memory: bool = True


@dataclass
class OptimizerConfig:
    name: Literal["adamw", "adam", "sgd"] = "adamw"
    lr: float = 3e-3
    weight_decay: float = 1e-4
    momentum: float = 0.9


@dataclass
class SchedulerConfig:
    name: Literal["cosine", "step", "none"] = "cosine"
    step_size: int = 10
    gamma: float = 0.1


@dataclass
class TrainerConfig:
    epochs: int = 15
    device: str = "auto"
    precision: Literal["fp32", "bf16", "fp16"] = "fp32"
    grad_accum_steps: int = 1
    grad_clip_norm: float | None = None
    early_stopping_patience: int = 0
    monitor: Literal["val_acc", "val_loss"] = "val_acc"
    save_top_k: int = 2
    deterministic: bool = True
    compile: bool = False
    progress: bool = True
    fast_dev_run: bool = False
    overfit_batches: int = 0
    limit_train_batches: int = 0
    limit_val_batches: int = 0


@dataclass
class PathsConfig:
    logs: str = "logs"
    models: str = "models"
    data_registry: str = "data/datasets.yaml"


@dataclass
class MlflowConfig:
    """Used with `logger: [..., mlflow]` (see runs/loggers/mlflow_log.py)."""

    tracking_uri: str | None = None  # null: $MLFLOW_TRACKING_URI, else the file store mlruns/
    experiment: str | None = None  # null: $MLFLOW_EXPERIMENT_NAME, else the package name


@dataclass
class TrainConfig:
    run_name: str = "train"
    seed: int = 42
    # besides metrics.csv, always written; names in validate.LOGGERS
    logger: list[str] = field(default_factory=lambda: ["tensorboard"])
    mlflow: MlflowConfig = field(default_factory=MlflowConfig)
    model: ModelConfig = field(default_factory=CNNConfig)
    data: DataConfig = field(default_factory=DataConfig)
    optimizer: OptimizerConfig = field(default_factory=OptimizerConfig)
    scheduler: SchedulerConfig = field(default_factory=SchedulerConfig)
    trainer: TrainerConfig = field(default_factory=TrainerConfig)
    paths: PathsConfig = field(default_factory=PathsConfig)


def load_config(
    path: str | Path = DEFAULT_CONFIG, overrides: Sequence[str] = (), *, deep: bool = True
) -> DictConfig:
    """Compose the YAML file at `path`, apply `key=value` overrides and validate the result.

    `deep=False` skips the checks that import torch (see `validate.check_ranges`): for
    commands that only read paths or compare configs.
    """
    path = Path(path)
    return make_config(compose(path), overrides, groups_dir=path.parent, deep=deep)


def make_config(
    raw: dict[str, Any],
    overrides: Sequence[str] = (),
    *,
    groups_dir: Path | None = None,
    deep: bool = True,
) -> DictConfig:
    """Validate a plain dict (e.g. a config stored in a checkpoint) plus overrides."""
    raw = dict(raw)
    dotlist = []
    for item in overrides:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise ConfigError(f"override '{item}' is not of the form KEY=VALUE")
        if key in GROUPS:
            raw[key] = _read_group(groups_dir or DEFAULT_CONFIG.parent, key, value)
        else:
            dotlist.append(item)
    schema = OmegaConf.structured(TrainConfig(model=_model_schema(raw.get("model"))()))
    try:
        cfg = OmegaConf.merge(schema, OmegaConf.create(raw), OmegaConf.from_dotlist(dotlist))
    except OmegaConfBaseException as err:
        raise ConfigError(_describe(err)) from None
    missing = sorted(OmegaConf.missing_keys(cfg))
    if missing:
        raise ConfigError(f"config key '{missing[0]}' has no value: set it with {missing[0]}=...")
    assert isinstance(cfg, DictConfig)
    check_ranges(cfg, deep=deep)
    return cfg


def to_dict(cfg: DictConfig) -> dict[str, Any]:
    """The resolved config as plain Python types (for YAML, checkpoints and hparams)."""
    container = OmegaConf.to_container(cfg, resolve=True)
    assert isinstance(container, dict)
    return container


def save_config(cfg: DictConfig, path: Path) -> None:
    """Write the resolved config; `train --config <path>` reruns it."""
    path.write_text(yaml.safe_dump(to_dict(cfg), sort_keys=False), encoding="utf-8")


def compose(path: Path, _chain: tuple[Path, ...] = ()) -> dict[str, Any]:
    """Read `path` and merge it over the files its `defaults:` list names."""
    if path.resolve() in _chain:
        raise ConfigError(f"config file {path} includes itself through `defaults:`")
    data = _read_yaml(path)
    merged: dict[str, Any] = {}
    for entry in data.pop("defaults", None) or []:
        if isinstance(entry, str):
            base = path.parent / (entry if entry.endswith(".yaml") else f"{entry}.yaml")
            part = compose(base, (*_chain, path.resolve()))
        elif isinstance(entry, dict) and len(entry) == 1:
            ((group, choice),) = entry.items()
            part = {group: _read_group(path.parent, group, str(choice))}
        else:
            raise ConfigError(f"{path}: each `defaults:` entry is a file name or `group: choice`")
        merged = _deep_merge(merged, part)
    return _deep_merge(merged, data)


def _read_yaml(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise ConfigError(f"config file not found: {path}")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as err:
        raise ConfigError(f"{path} is not valid YAML: {str(err).splitlines()[0]}") from None
    except UnicodeDecodeError as err:
        raise ConfigError(
            f"{path} is not UTF-8 text (byte {err.start}): save it as UTF-8"
        ) from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path} must hold a mapping of keys to values")
    return data


def _read_group(groups_dir: Path, group: str, choice: str) -> dict[str, Any]:
    folder = groups_dir / group
    if not folder.is_dir():  # e.g. a run's config.yaml in logs/: use the project's groups
        folder = DEFAULT_CONFIG.parent / group
    path = folder / f"{choice}.yaml"
    if not path.is_file():
        choices = sorted(p.stem for p in folder.glob("*.yaml")) or sorted(MODEL_SCHEMAS)
        raise ConfigError(f"unknown {group} '{choice}': choose one of {', '.join(choices)}")
    return _read_yaml(path)


def _model_schema(model: Any) -> type[ModelConfig]:
    name = model.get("name") if isinstance(model, dict) else None
    library = model.get("library") if isinstance(model, dict) else None
    if library is not None:
        if library not in LIBRARY_SCHEMAS:
            choices = ", ".join(LIBRARY_SCHEMAS)
            raise ConfigError(f"model.library is {library!r}: choose one of {choices}")
        return LIBRARY_SCHEMAS[library]
    if name not in MODEL_SCHEMAS:
        raise ConfigError(unregistered_model_message(name))
    return MODEL_SCHEMAS[name]


def unregistered_model_message(name: Any) -> str:
    """Where a new network must be registered, for an unknown `model.name`."""
    package = __package__ or "the package"
    known = ", ".join([*MODEL_SCHEMAS, *LIBRARY_SCHEMAS])
    return (
        f"model.name is {name!r}, which is not registered (known: {known}): add its config "
        f"dataclass to MODEL_SCHEMAS in src/{package}/config.py and its constructor to "
        f"build_model in src/{package}/build.py"
    )


def _deep_merge(base: dict[str, Any], update: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in update.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _describe(err: OmegaConfBaseException) -> str:
    """One line naming the key, what is wrong and what is allowed."""
    key = err.full_key or "?"
    reason = str(err.msg).splitlines()[0] if err.msg else type(err).__name__
    schema = err.object_type if dataclasses.is_dataclass(err.object_type) else None
    if isinstance(err, ConfigKeyError):
        valid = ", ".join(f.name for f in dataclasses.fields(schema)) if schema else "?"
        return f"unknown config key '{key}' ({reason}); valid keys here: {valid}"
    if key == "model.name":
        return f"invalid value for 'model.name': {reason}; switch networks with model=<name>"
    expected = ""
    if schema is not None:
        hints = typing.get_type_hints(schema)
        leaf = key.rsplit(".", 1)[-1]
        if leaf in hints and "expected" not in reason:
            expected = f" (expected {_type_name(hints[leaf])})"
    return f"invalid value for '{key}': {reason}{expected}"


def _type_name(tp: Any) -> str:
    if typing.get_origin(tp) is Literal:
        return "one of " + ", ".join(str(arg) for arg in typing.get_args(tp))
    return getattr(tp, "__name__", str(tp)).replace("typing.", "")
