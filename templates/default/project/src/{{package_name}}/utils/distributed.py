"""Distributed data parallel under `torchrun`: gloo on CPU, NCCL on GPU; a no-op otherwise.

`torchrun --nproc-per-node 2 -m <package> train` sets RANK/WORLD_SIZE/LOCAL_RANK; a plain
`python -m <package> train` runs as a single process with rank 0. On several nodes (one
`torchrun --nnodes N --rdzv-backend c10d ...` per node) RANK is global and LOCAL_RANK counts
within the node: the device follows LOCAL_RANK, the writing (`is_main`) follows RANK.
"""

import os
from dataclasses import dataclass
from typing import Any

import torch
import torch.distributed as dist


@dataclass(frozen=True)
class DistInfo:
    rank: int = 0
    local_rank: int = 0
    world_size: int = 1

    @property
    def enabled(self) -> bool:
        """True when running as one of several processes."""
        return self.world_size > 1

    @property
    def is_main(self) -> bool:
        """Only the main process writes logs, snapshots and checkpoints."""
        return self.rank == 0


def init_distributed(device_type: str) -> DistInfo:
    """Join the process group that `torchrun` describes in the environment, if any."""
    world_size = int(os.environ.get("WORLD_SIZE", "1"))
    if world_size <= 1:
        return DistInfo()
    info = DistInfo(
        rank=int(os.environ["RANK"]),
        local_rank=int(os.environ.get("LOCAL_RANK", "0")),
        world_size=world_size,
    )
    if not dist.is_initialized():
        dist.init_process_group(backend="nccl" if device_type == "cuda" else "gloo")
    return info


def cleanup_distributed() -> None:
    """Leave the process group (safe to call when none exists)."""
    if dist.is_available() and dist.is_initialized():
        dist.destroy_process_group()


def barrier() -> None:
    """Wait for every process (no-op when not distributed)."""
    if dist.is_available() and dist.is_initialized():
        dist.barrier()


def all_reduce_sum(tensor: torch.Tensor) -> torch.Tensor:
    """Sum `tensor` across processes in place; unchanged when not distributed."""
    if dist.is_available() and dist.is_initialized():
        dist.all_reduce(tensor, op=dist.ReduceOp.SUM)
    return tensor


def broadcast_object(obj: Any) -> Any:
    """Send a picklable object from rank 0 to every process (e.g. the run folder name)."""
    if not (dist.is_available() and dist.is_initialized()):
        return obj
    holder = [obj]
    dist.broadcast_object_list(holder, src=0)
    return holder[0]
