"""Checkpoint files: atomic writes, top-k retention and stable `best.pt`/`last.pt` pointers.

Checkpoints hold only tensors and plain Python values, so `torch.load(weights_only=True)`
reads them without running arbitrary pickled code. A checkpoint may come from anywhere: what
it records is checked before use (`checked_state`, `load_weights`, `run_name_of`) and its
recorded paths are never used to write or delete anything.
"""

import errno
import math
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import torch
from torch import nn

from ..errors import CheckpointError
from ..utils.files import point_to, remove_stale_tmp, tmp_sibling

_NAME = re.compile(r"^epoch=(?P<epoch>\d+)-(?P<metric>[a-z_]+)=(?P<value>[-+\w.]+)\.pt$")
_PLAIN_NAME = re.compile(r"^[A-Za-z0-9_-][A-Za-z0-9._-]*$")
# What `train`, `infer` and `evaluate` read from a checkpoint, and the type it must have.
MODEL_FIELDS: dict[str, type] = {"model": dict, "config": dict, "classes": list, "run": str}
RESUME_FIELDS: dict[str, type] = {
    **MODEL_FIELDS,
    "optimizer": dict,
    "epoch": int,
    "global_step": int,
    "rng": dict,
}


def atomic_save(obj: Any, path: Path) -> None:
    """Write to a temporary file, flush it to disk, then rename over `path`.

    A crash midway leaves the previous file at `path` intact; a full disk is one line.
    """
    tmp = tmp_sibling(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tmp.open("wb") as handle:
            torch.save(obj, handle)
            handle.flush()
            os.fsync(handle.fileno())
        tmp.replace(path)
    except OSError as err:
        hint = "free some space" if err.errno in (errno.ENOSPC, errno.EDQUOT) else "check it"
        raise CheckpointError(
            f"cannot save checkpoint {path}: {err.strerror or err} ({hint}; "
            "the previous checkpoint is kept)"
        ) from None
    finally:
        tmp.unlink(missing_ok=True)


def remove_stale_checkpoint_tmp(models_dir: Path) -> list[Path]:
    """Temporary files of checkpoint saves killed midway, in `models_dir/<run>/`: removed."""
    return remove_stale_tmp(models_dir, "*/.*.tmp")


def load_checkpoint_file(path: Path, map_location: str | torch.device = "cpu") -> dict[str, Any]:
    """Load a checkpoint safely (`weights_only=True`); anything but a dict is refused."""
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"checkpoint not found: {path}")
    if path.stat().st_size == 0:
        raise CheckpointError(f"cannot read checkpoint {path}: the file is empty")
    try:
        state = torch.load(path, map_location=map_location, weights_only=True)
    except Exception as err:  # torch raises several types for damaged or foreign files
        reason = str(err).splitlines()[0] if str(err) else type(err).__name__
        raise CheckpointError(
            f"cannot read checkpoint {path}: {reason} (truncated, damaged or not a checkpoint)"
        ) from None
    if not isinstance(state, dict):
        raise CheckpointError(f"{path} is not a checkpoint of this project (no dict inside)")
    return state


def checked_state(
    path: Path,
    map_location: str | torch.device = "cpu",
    *,
    fields: Mapping[str, type] = MODEL_FIELDS,
) -> dict[str, Any]:
    """A checkpoint of this project: `fields` present with the right types, a safe run name."""
    state = load_checkpoint_file(path, map_location)
    for key, kind in fields.items():
        if key not in state:
            raise CheckpointError(f"{path} is not a checkpoint of this project: no '{key}' entry")
        if not isinstance(state[key], kind) or (kind is int and isinstance(state[key], bool)):
            raise CheckpointError(f"{path}: '{key}' should be a {kind.__name__}")
    if "classes" in fields and not all(isinstance(c, str) for c in state["classes"]):
        raise CheckpointError(f"{path}: 'classes' should be a list of names")
    if "run" in fields:
        run_name_of(state, path)
    return state


def run_name_of(state: Mapping[str, Any], path: Path) -> str:
    """The run folder name recorded in a checkpoint, refused unless it is a plain folder name.

    A name like `../../x`, `/abs`, `.hidden` or `a/b` would place files outside `logs/`.
    """
    name = state.get("run")
    if not isinstance(name, str) or not _PLAIN_NAME.match(name) or name in {".", ".."}:
        raise CheckpointError(
            f"{path} records the run name {name!r}, which is not a plain folder name: "
            "refusing to use it (letters, digits, '.', '_' and '-'; not hidden)"
        )
    return name


def load_weights(model: nn.Module, weights: Mapping[str, Any], path: Path) -> None:
    """Load `weights` into `model`, or say in one line why they do not fit."""
    check_weights(model, weights, path)
    model.load_state_dict(weights)


def check_weights(model: nn.Module, weights: Mapping[str, Any], path: Path) -> None:
    """Refuse, in one line, weights whose names or shapes differ from `model`'s.

    Only shapes are compared, so `model` may live on the `meta` device (no memory used).
    """
    expected = model.state_dict()
    missing = [key for key in expected if key not in weights]
    unexpected = [key for key in weights if key not in expected]
    if missing or unexpected:
        parts = []
        if missing:
            parts.append(f"{len(missing)} missing ({_first(missing)})")
        if unexpected:
            parts.append(f"{len(unexpected)} unexpected ({_first(unexpected)})")
        raise CheckpointError(
            f"{path} holds weights of another model: {'; '.join(parts)} for {type(model).__name__}"
        )
    for key, tensor in expected.items():
        value = weights[key]
        if not isinstance(value, torch.Tensor) or value.shape != tensor.shape:
            shape = tuple(value.shape) if isinstance(value, torch.Tensor) else type(value).__name__
            raise CheckpointError(
                f"{path} does not fit the model: '{key}' is {shape} in the checkpoint, "
                f"{tuple(tensor.shape)} in {type(model).__name__} (a different config or "
                "number of classes?)"
            )


def _first(keys: list[str], shown: int = 3) -> str:
    return ", ".join(keys[:shown]) + (", ..." if len(keys) > shown else "")


class CheckpointKeeper:
    """Save one checkpoint per epoch as `epoch=012-val_acc=0.9312.pt` in `directory`.

    Keeps the `top_k` best by `monitor` (ties: the earlier epoch) plus the one just saved;
    `best.pt` and `last.pt` point at them. The kept set is re-derived from the file names, so
    it survives a resume, also one from an earlier checkpoint than the last.
    """

    def __init__(
        self, directory: Path, *, monitor: str, higher_is_better: bool, top_k: int
    ) -> None:
        self.directory = Path(directory)
        self.monitor = monitor
        self.higher_is_better = higher_is_better
        self.top_k = max(top_k, 1)

    def save(self, state: dict[str, Any], *, epoch: int, value: float) -> Path:
        """Write the checkpoint for `epoch`, update the pointers, then prune the rest.

        In this order a crash at any point leaves `best.pt` and `last.pt` pointing at files
        that exist: the new file is complete before a pointer moves to it, and a file is
        deleted only after no pointer names it any more.
        """
        path = self.directory / f"epoch={epoch:03d}-{self.monitor}={value:.4f}.pt"
        atomic_save(state, path)
        saved = self._saved()
        best = sorted(saved, key=lambda item: (self._rank(item[2]), item[1]))[: self.top_k]
        point_to(self.directory / "last.pt", path)
        point_to(self.directory / "best.pt", best[0][0])
        keep = {item[0] for item in best} | {path}
        for file, _, _ in saved:
            if file not in keep:
                file.unlink(missing_ok=True)
        return path

    def _rank(self, value: float) -> float:
        if math.isnan(value):
            return math.inf
        return -value if self.higher_is_better else value

    def _saved(self) -> list[tuple[Path, int, float]]:
        found = []
        for file in self.directory.glob("epoch=*.pt"):
            match = _NAME.match(file.name)
            if match and match["metric"] == self.monitor:
                found.append((file, int(match["epoch"]), float(match["value"])))
        return found
