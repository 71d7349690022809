"""Pick the compute device: `auto` prefers CUDA, then Apple MPS, then CPU."""

import torch

from ..errors import ConfigError


def resolve_device(name: str = "auto", *, local_rank: int | None = None) -> torch.device:
    """Turn `auto`, `cpu`, `cuda`, `cuda:1` or `mps` into a usable `torch.device`."""
    if name == "auto":
        if torch.cuda.is_available():
            name = "cuda"
        elif torch.backends.mps.is_available():
            name = "mps"
        else:
            name = "cpu"
    try:
        device = torch.device(name)
    except RuntimeError:
        raise ConfigError(
            f"invalid value for 'trainer.device': {name!r} "
            "(expected auto, cpu, cuda, cuda:N or mps)"
        ) from None
    if device.type == "cuda":
        if not torch.cuda.is_available():
            raise ConfigError(
                "trainer.device is cuda but no CUDA GPU is available: use device=auto"
            )
        if device.index is None and local_rank is not None:
            device = torch.device("cuda", local_rank)
    if device.type == "mps" and not torch.backends.mps.is_available():
        raise ConfigError("trainer.device is mps but MPS is not available: use device=auto")
    return device
