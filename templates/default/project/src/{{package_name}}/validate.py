"""Value ranges the schema's types cannot express (a batch size of 0, a negative learning rate).

Checked by `config.make_config` after the types, so a bad value stops the run with one line
naming the key and what is allowed, before any run folder is created.
"""

from collections.abc import Callable
from typing import Any

from omegaconf import DictConfig, OmegaConf

from .errors import ConfigError

Check = Callable[[Any], bool]
# What `logger:` may list (built in runs/loggers/); metrics.csv is written in any case.
LOGGERS = ("tensorboard", "mlflow")


def at_least(low: float) -> tuple[Check, str]:
    return (lambda v: v >= low), f">= {low}"


def above(low: float) -> tuple[Check, str]:
    return (lambda v: v > low), f"> {low}"


def between(low: float, high: float, *, low_open: bool = False) -> tuple[Check, str]:
    if low_open:
        return (lambda v: low < v < high), f"between {low} and {high}, both excluded"
    return (lambda v: low <= v < high), f">= {low} and < {high}"


def each(check: tuple[Check, str], *, length: int | None = None) -> tuple[Check, str]:
    test, allowed = check
    shape = f"a list of {length} values" if length else "a non-empty list of values"

    def ok(values: Any) -> bool:
        values = list(values)
        count_ok = len(values) == length if length else len(values) > 0
        return count_ok and all(test(v) for v in values)

    return ok, f"{shape}, each {allowed}"


def sizes() -> tuple[Check, str]:
    """One layer size or a list of them (the CNN has one hidden size, the MLP a list)."""

    def ok(value: Any) -> bool:
        values = value if isinstance(value, list) else [value]
        return len(values) > 0 and all(v >= 1 for v in values)

    return ok, "a size or a non-empty list of sizes, each >= 1"


def names_from(allowed_names: tuple[str, ...]) -> tuple[Check, str]:
    """A list of distinct names, each one of `allowed_names` (an empty list is allowed)."""

    def ok(values: Any) -> bool:
        values = list(values)
        return len(set(values)) == len(values) and all(v in allowed_names for v in values)

    return ok, f"a list of distinct names from {list(allowed_names)}"


def optional(check: tuple[Check, str]) -> tuple[Check, str]:
    test, allowed = check
    return (lambda v: v is None or test(v)), f"null or {allowed}"


# key -> (check, what is allowed); keys absent from the config (e.g. another network's) are skipped
RANGES: dict[str, tuple[Check, str]] = {
    "seed": at_least(0),
    "logger": names_from(LOGGERS),
    "data.image_size": each(at_least(1), length=2),
    "data.std": above(0),
    "data.val_fraction": between(0, 1, low_open=True),
    "data.test_fraction": between(0, 1),
    "data.max_image_pixels": at_least(1),
    "data.split_seed": at_least(0),
    "data.batch_size": at_least(1),
    "data.eval_batch_size": at_least(1),
    "data.num_workers": at_least(0),
    "optimizer.lr": above(0),
    "optimizer.weight_decay": at_least(0),
    "optimizer.momentum": between(0, 1),
    "scheduler.step_size": at_least(1),
    "scheduler.gamma": above(0),
    "trainer.epochs": at_least(1),
    "trainer.grad_accum_steps": at_least(1),
    "trainer.grad_clip_norm": optional(above(0)),
    "trainer.early_stopping_patience": at_least(0),
    "trainer.save_top_k": at_least(1),
    "trainer.overfit_batches": at_least(0),
    "trainer.limit_train_batches": at_least(0),
    "trainer.limit_val_batches": at_least(0),
    "model.channels": each(at_least(1)),
    "model.hidden": sizes(),
    "model.pool_size": at_least(1),
    "model.dropout": between(0, 1),
}


def check_ranges(cfg: DictConfig, *, deep: bool = True) -> None:
    """Raise ConfigError for the first value outside its allowed range.

    `deep` also parses the transform pipelines and looks up a library network, which imports
    torch (seconds): commands that only read `paths` or compare configs (`runs`) skip it.
    """
    for key, (check, allowed) in RANGES.items():
        value = OmegaConf.select(cfg, key, default=_ABSENT)
        if value is _ABSENT:
            continue
        plain = OmegaConf.to_container(value) if OmegaConf.is_config(value) else value
        if not check(plain):
            raise ConfigError(f"invalid value for '{key}': {plain!r} (allowed: {allowed})")
    check_data(cfg, deep=deep)
    if deep:
        check_model_library(cfg)


def check_model_library(cfg: DictConfig) -> None:
    """A library network (`model=torchvision`): the library imports and knows the name."""
    if OmegaConf.select(cfg, "model.library", default=None) != "torchvision":
        return
    from .networks.torchvision_net import classification_names, torchvision_models

    models = torchvision_models()
    names = classification_names(models)
    if cfg.model.name not in names:
        raise ConfigError(
            f"invalid value for 'model.name': '{cfg.model.name}' is no torchvision "
            f"classification network; choose one of {', '.join(names)}"
        )


def check_data(cfg: DictConfig, *, deep: bool = True) -> None:
    """The split fractions together, and (`deep`) the transform pipelines (parsed, never run)."""
    data = cfg.get("data")
    if data is None:
        return
    if data.val_fraction + data.test_fraction >= 1:
        raise ConfigError(
            f"invalid values for 'data.val_fraction' ({data.val_fraction}) and "
            f"'data.test_fraction' ({data.test_fraction}): together they must be below 1"
        )
    if not deep:
        return
    from .datasets.transforms import build_pipeline

    for split in ("train", "eval"):
        spec = OmegaConf.select(data, f"transforms.{split}", default=None)
        if spec is None:
            continue
        key = f"data.transforms.{split}"
        out_size = build_pipeline(OmegaConf.to_container(spec, resolve=True), key=key).out_size
        if out_size is not None and list(out_size) != list(data.image_size):
            raise ConfigError(
                f"'{key}' ends at size {list(out_size)} but data.image_size is "
                f"{list(data.image_size)}: make its last resize or crop produce data.image_size"
            )


_ABSENT = object()
