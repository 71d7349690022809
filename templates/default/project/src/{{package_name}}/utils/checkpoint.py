"""Checkpoint files: atomic writes, top-k retention and stable `best.pt`/`last.pt` pointers.

Checkpoints hold only tensors and plain Python values, so `torch.load(weights_only=True)`
reads them without running arbitrary pickled code.
"""

import math
import os
import re
from pathlib import Path
from typing import Any

import torch

from ..errors import CheckpointError
from .files import point_to

_NAME = re.compile(r"^epoch=(?P<epoch>\d+)-(?P<metric>[a-z_]+)=(?P<value>[-+\w.]+)\.pt$")


def atomic_save(obj: Any, path: Path) -> None:
    """Write to a temporary file, flush it to disk, then rename over `path`.

    A crash midway leaves the previous file at `path` intact.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with tmp.open("wb") as handle:
            torch.save(obj, handle)
            handle.flush()
            os.fsync(handle.fileno())
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)


def load_checkpoint_file(path: Path, map_location: str | torch.device = "cpu") -> dict[str, Any]:
    """Load a checkpoint safely (`weights_only=True`)."""
    if not Path(path).is_file():
        raise CheckpointError(f"checkpoint not found: {path}")
    try:
        return torch.load(path, map_location=map_location, weights_only=True)
    except Exception as err:  # torch raises several types for damaged or foreign files
        raise CheckpointError(
            f"cannot read checkpoint {path}: {str(err).splitlines()[0]}"
        ) from None


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
        """Write the checkpoint for `epoch`, prune the rest and update the pointers."""
        path = self.directory / f"epoch={epoch:03d}-{self.monitor}={value:.4f}.pt"
        atomic_save(state, path)
        saved = self._saved()
        best = sorted(saved, key=lambda item: (self._rank(item[2]), item[1]))[: self.top_k]
        keep = {item[0] for item in best} | {path}
        for file, _, _ in saved:
            if file not in keep:
                file.unlink(missing_ok=True)
        point_to(self.directory / "last.pt", path)
        point_to(self.directory / "best.pt", best[0][0])
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
