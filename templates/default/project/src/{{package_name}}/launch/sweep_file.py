"""The sweep file (`configs/sweeps/<name>.yaml`), read and checked without importing Optuna.

```yaml
config: configs/default.yaml          # base config
overrides: [trainer.epochs=5]         # fixed for every trial
metric: val_acc                       # default: the config's trainer.monitor
direction: maximize                   # default: minimize for *_loss, else maximize
trials: 8
sampler: tpe                          # tpe | random
seed: 0
pruner: {name: median, n_warmup_steps: 1}
params:                               # or `grid:` with a list of values per key
  optimizer.lr: {low: 1.0e-4, high: 1.0e-2, log: true}
  model: [cnn, mlp]
```

Every problem is one `SweepFileError` line naming the file and the key.
"""

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..config import DEFAULT_CONFIG, load_config
from ..errors import ConfigError, ProjectError

METRICS = ("val_acc", "val_loss", "train_acc", "train_loss")
SAMPLERS = ("tpe", "random", "grid")
PRUNERS = ("median", "percentile", "successive_halving", "hyperband", "threshold", "none")
TOP_KEYS = (
    *("name", "config", "overrides", "metric", "direction", "trials", "sampler", "seed"),
    *("pruner", "params", "grid"),
)
PARAM_KEYS = ("type", "low", "high", "log", "step", "choices")
Scalar = str | int | float | bool | None


class SweepFileError(ProjectError):
    """A sweep file (or comma-list grid) that cannot be run, explained in one line."""


@dataclass(frozen=True)
class Param:
    """One dimension of the search space: a float/int range or a list of choices."""

    name: str
    kind: str  # float | int | categorical
    low: float = 0.0
    high: float = 0.0
    log: bool = False
    step: float | None = None
    choices: tuple[Scalar, ...] = ()

    def corners(self) -> list[Scalar]:
        """The values checked against the config before the sweep starts."""
        if self.kind == "categorical":
            return list(self.choices)
        cast = int if self.kind == "int" else float
        return [cast(self.low), cast(self.high)]


@dataclass(frozen=True)
class SweepSpec:
    """A checked sweep file."""

    name: str
    config: Path
    overrides: tuple[str, ...] = ()
    metric: str = "val_acc"
    direction: str = "maximize"
    trials: int = 10
    sampler: str = "tpe"
    seed: int | None = 0
    pruner: dict[str, Any] = field(default_factory=lambda: {"name": "median"})
    params: tuple[Param, ...] = ()
    grid: dict[str, list[Scalar]] = field(default_factory=dict)

    @property
    def grid_size(self) -> int:
        return math.prod(len(values) for values in self.grid.values()) if self.grid else 0

    def trial_overrides(self, values: dict[str, Any]) -> list[str]:
        """The fixed overrides plus one `KEY=VALUE` per sampled parameter."""
        return [*self.overrides, *(f"{k}={override_value(v)}" for k, v in values.items())]


def override_value(value: Any) -> str:
    """A sampled value as command-line override text (`true`, `null`, `0.001`, `mlp`)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    return repr(value) if isinstance(value, float) else str(value)


def read_sweep_file(
    path: Path,
    extra_overrides: Sequence[str] = (),
    *,
    default_name: str | None = None,
    check: bool = True,
) -> SweepSpec:
    """Read and check `path`; `extra_overrides` (from the command line) follow the file's.

    Without a `name:` in the file the sweep is named `default_name`, else after the file.
    `check=False` skips loading the config of each range end (done when the sweep started).
    """
    if not path.is_file():
        raise SweepFileError(f"sweep file not found: {path}")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as err:
        raise SweepFileError(f"{path} is not valid YAML: {str(err).splitlines()[0]}") from None
    except UnicodeDecodeError:
        raise SweepFileError(f"{path} is not UTF-8 text: save it as UTF-8") from None
    if not isinstance(data, dict):
        raise SweepFileError(f"{path} must hold a mapping (config, params, metric, ...)")
    try:
        return parse_sweep(
            data,
            default_name=default_name or path.stem,
            extra_overrides=extra_overrides,
            check=check,
        )
    except SweepFileError as err:
        raise SweepFileError(f"{path}: {err}") from None


def parse_sweep(
    data: dict[str, Any],
    *,
    default_name: str,
    extra_overrides: Sequence[str] = (),
    check: bool = True,
) -> SweepSpec:
    """Check the sweep mapping and the trial configs it implies (the corners of each range)."""
    unknown = sorted(set(map(str, data)) - set(TOP_KEYS))
    if unknown:
        raise SweepFileError(f"unknown key '{unknown[0]}'; valid keys: {', '.join(TOP_KEYS)}")
    name = _text(data.get("name", default_name), "name")
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", name):
        raise SweepFileError(f"name {name!r} must be letters, digits, '.', '_' or '-'")
    config = Path(_text(data.get("config", str(DEFAULT_CONFIG)), "config"))
    overrides = [*_overrides(data.get("overrides")), *extra_overrides]
    try:
        base = load_config(config, overrides)
    except ConfigError as err:
        raise SweepFileError(f"base config: {err}") from None
    metric = _choice(data.get("metric", base.trainer.monitor), "metric", METRICS)
    default_direction = "minimize" if metric.endswith("loss") else "maximize"
    direction = _choice(
        data.get("direction", default_direction), "direction", ("minimize", "maximize")
    )
    params, grid = _space(data.get("params"), data.get("grid"))
    sampler = "grid" if grid else _choice(data.get("sampler", "tpe"), "sampler", SAMPLERS[:2])
    spec = SweepSpec(
        name=name,
        config=config,
        overrides=tuple(overrides),
        metric=metric,
        direction=direction,
        trials=_positive_int(data.get("trials", math.prod(map(len, grid.values())) or 10)),
        sampler=sampler,
        seed=_seed(data.get("seed", 0)),
        pruner=_pruner(data.get("pruner", {"name": "median"})),
        params=params,
        grid=grid,
    )
    if grid and spec.trials > spec.grid_size:
        raise SweepFileError(f"trials is {spec.trials}, but the grid has {spec.grid_size} points")
    if check:
        check_trial_configs(spec)
    return spec


def check_trial_configs(spec: SweepSpec) -> None:
    """Load the config at each range end / choice, so a bad key fails now, not in trial 7."""
    firsts = {p.name: p.corners()[0] for p in spec.params} | {k: v[0] for k, v in spec.grid.items()}
    dims = {p.name: p.corners() for p in spec.params} | spec.grid
    for key, values in dims.items():
        for value in values:
            try:
                load_config(spec.config, spec.trial_overrides(firsts | {key: value}))
            except ConfigError as err:
                raise SweepFileError(f"{key}={override_value(value)}: {err}") from None


def _space(params: Any, grid: Any) -> tuple[tuple[Param, ...], dict[str, list[Scalar]]]:
    if (params is None) == (grid is None):
        raise SweepFileError("give the search space as either `params:` or `grid:` (not both)")
    if grid is not None:
        if not isinstance(grid, dict) or not grid:
            raise SweepFileError("`grid:` maps each config key to a list of values")
        return (), {str(k): list(_choices(k, v)) for k, v in grid.items()}
    if not isinstance(params, dict) or not params:
        raise SweepFileError("`params:` maps each config key to a range or a list of choices")
    return tuple(_param(str(k), v) for k, v in params.items()), {}


def _param(name: str, spec: Any) -> Param:
    if isinstance(spec, list):
        return Param(name, "categorical", choices=_choices(name, spec))
    if not isinstance(spec, dict):
        raise SweepFileError(
            f"params.{name} must be a list of choices or a mapping with low and high (got {spec!r})"
        )
    unknown = sorted(set(map(str, spec)) - set(PARAM_KEYS))
    if unknown:
        raise SweepFileError(
            f"params.{name}: unknown key '{unknown[0]}'; valid: low, high, log, step, "
            "type (float | int | categorical), choices"
        )
    kind = spec.get("type")
    if kind == "categorical" or (kind is None and "choices" in spec):
        return Param(name, "categorical", choices=_choices(name, spec.get("choices")))
    low, high = spec.get("low"), spec.get("high")
    if not all(_is_number(v) for v in (low, high)):
        raise SweepFileError(f"params.{name} needs numbers `low` and `high`")
    step = spec.get("step")
    if kind is None:
        kind = "int" if all(isinstance(v, int) for v in (low, high, step or 1)) else "float"
    if kind not in {"float", "int"}:
        raise SweepFileError(f"params.{name}: type {kind!r} must be float, int or categorical")
    log = spec.get("log", False)
    _check_range(name, kind, low, high, log, step)
    return Param(name, kind, low=low, high=high, log=log, step=step)


def _check_range(name: str, kind: str, low: float, high: float, log: Any, step: Any) -> None:
    if not isinstance(log, bool):
        raise SweepFileError(f"params.{name}: log must be true or false")
    if not low < high:
        raise SweepFileError(f"params.{name}: low ({low}) must be below high ({high})")
    if log and low <= 0:
        raise SweepFileError(f"params.{name}: a log range needs low > 0 (got {low})")
    if step is not None and (not _is_number(step) or step <= 0 or log):
        raise SweepFileError(f"params.{name}: step must be a number > 0, without log")
    if kind == "int" and not all(float(v).is_integer() for v in (low, high, step or 1)):
        raise SweepFileError(f"params.{name}: an int range needs whole numbers")


def _choices(name: Any, values: Any) -> tuple[Scalar, ...]:
    if not isinstance(values, list) or not values:
        raise SweepFileError(f"{name}: give a non-empty list of values")
    for value in values:
        if not (value is None or isinstance(value, str | int | float | bool)):
            raise SweepFileError(
                f"{name}: value {value!r} is no single number, string, true/false or null "
                "(Optuna stores only these)"
            )
    if len(set(map(repr, values))) != len(values):
        raise SweepFileError(f"{name}: values repeat in {values}")
    return tuple(values)


def _pruner(spec: Any) -> dict[str, Any]:
    if isinstance(spec, str):
        spec = {"name": spec}
    if not isinstance(spec, dict):
        raise SweepFileError("pruner must be a name or {name: ..., <Optuna pruner arguments>}")
    spec = {str(k): v for k, v in spec.items()}
    _choice(spec.get("name", "median"), "pruner.name", PRUNERS)
    return {"name": "median", **spec}


def _overrides(value: Any) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) and "=" in v for v in value):
        raise SweepFileError("overrides must be a list of KEY=VALUE strings")
    return list(value)


def _choice(value: Any, key: str, allowed: Sequence[str]) -> str:
    if value not in allowed:
        raise SweepFileError(f"{key} is {value!r}: choose one of {', '.join(allowed)}")
    return str(value)


def _text(value: Any, key: str) -> str:
    if not isinstance(value, str) or not value:
        raise SweepFileError(f"{key} must be a non-empty string")
    return value


def _positive_int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise SweepFileError(f"trials must be a whole number >= 1 (got {value!r})")
    return value


def _seed(value: Any) -> int | None:
    if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
        raise SweepFileError(f"seed must be a whole number or null (got {value!r})")
    return value


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


# ------------------------------------------------------------ comma lists on the command line
def split_top_level(value: str) -> list[str]:
    """`1e-3,3e-3` -> two values; commas inside brackets or quotes (`[32,32]`) do not split."""
    parts, depth, quote, current = [], 0, "", []
    for char in value:
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char in "[{(":
            depth += 1
        elif char in "]})":
            depth -= 1
        elif char == "," and depth == 0:
            parts.append("".join(current))
            current = []
            continue
        current.append(char)
    parts.append("".join(current))
    return parts


def grid_from_overrides(overrides: Sequence[str]) -> tuple[list[str], dict[str, list[Scalar]]]:
    """Split `train` overrides into fixed ones and comma lists (`model=cnn,mlp`), the grid."""
    fixed: list[str] = []
    grid: dict[str, list[Scalar]] = {}
    for item in overrides:
        key, sep, value = item.partition("=")
        values = split_top_level(value) if sep else [value]
        if len(values) == 1:
            fixed.append(item)
            continue
        if key in grid:
            raise SweepFileError(f"{key} has two comma lists: give it one")
        if any(not v for v in values):
            raise SweepFileError(f"override '{item}' has an empty value in its comma list")
        grid[key] = list(_choices(key, values))
    return fixed, grid
