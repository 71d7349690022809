"""Any torchvision classification network, sized for the data (`model=torchvision`).

torchvision is an optional extra (`pip install -e '.[vision]'`). The network is built by name
with `num_classes` outputs and no weights; a first convolution made for 3 channels is replaced
by one for `in_channels`. Weights come only from a local file (`model.weights`), never from the
internet: an ImageNet file (3 channels, 1000 classes) fills everything but the classifier,
whose shape differs (it stays freshly initialised), and its first convolution is summed or
spread over `in_channels`; a file saved from this very network fills all of it.
"""

import importlib
from pathlib import Path
from types import ModuleType
from typing import Any

import torch
from torch import nn

from ..errors import ConfigError

INSTALL_HINT = (
    "model=torchvision needs torchvision: install the build matching your torch with "
    "`pip install -e '.[vision]'` (or `pip install torchvision --index-url "
    "https://download.pytorch.org/whl/cpu` for a CPU-only torch; see README)"
)


def torchvision_models() -> ModuleType:
    """`torchvision.models`, or a ConfigError saying how to install it."""
    try:
        return importlib.import_module("torchvision.models")
    except (ImportError, OSError, RuntimeError) as err:  # a build for another torch fails so
        reason = str(err).splitlines()[0] if str(err) else type(err).__name__
        raise ConfigError(f"{INSTALL_HINT}; import failed: {reason}") from None


def classification_names(models: ModuleType) -> list[str]:
    """Names of the classification networks (not detection, segmentation, video...)."""
    return sorted(models.list_models(module=models))


def build_torchvision_model(
    name: str, *, num_classes: int, in_channels: int, weights: str | Path | None = None
) -> nn.Module:
    """The network `name` with `num_classes` outputs for `in_channels`-channel images."""
    models = torchvision_models()
    names = classification_names(models)
    if name not in names:
        raise ConfigError(
            f"model.name '{name}' is no torchvision classification network: choose one of "
            f"{', '.join(names)}"
        )
    model = models.get_model(name, weights=None, num_classes=num_classes)
    conv_name, conv = first_conv(model)
    if conv.in_channels != in_channels:
        set_module(model, conv_name, _conv_like(conv, in_channels))
    if weights is not None:
        load_weights(model, Path(weights), first_conv_name=conv_name)
    return model


def first_conv(model: nn.Module) -> tuple[str, nn.Conv2d]:
    """The first `nn.Conv2d` in registration order (the one that sees the image)."""
    for name, module in model.named_modules():
        if isinstance(module, nn.Conv2d):
            return name, module
    raise ConfigError(f"{type(model).__name__} has no Conv2d to adapt to the input channels")


def classifier(model: nn.Module) -> tuple[str, nn.Module]:
    """The last `nn.Linear` or `nn.Conv2d` in registration order (the one giving the logits)."""
    found = [
        (name, module)
        for name, module in model.named_modules()
        if isinstance(module, nn.Linear | nn.Conv2d)
    ]
    return found[-1]


def set_module(model: nn.Module, dotted: str, new: nn.Module) -> None:
    """Replace the submodule at `dotted` (e.g. `features.0.0`)."""
    parent_name, _, child = dotted.rpartition(".")
    parent = model.get_submodule(parent_name) if parent_name else model
    setattr(parent, child, new)


def _conv_like(conv: nn.Conv2d, in_channels: int) -> nn.Conv2d:
    return nn.Conv2d(
        in_channels,
        conv.out_channels,
        kernel_size=conv.kernel_size,  # type: ignore[arg-type]
        stride=conv.stride,  # type: ignore[arg-type]
        padding=conv.padding,  # type: ignore[arg-type]
        dilation=conv.dilation,  # type: ignore[arg-type]
        bias=conv.bias is not None,
        padding_mode=conv.padding_mode,
    )


def load_weights(model: nn.Module, path: Path, *, first_conv_name: str) -> None:
    """Fill `model` from the state dict in `path` (see the module doc); one-line errors."""
    state = _read_state(path)
    own = model.state_dict()
    conv_key = f"{first_conv_name}.weight"
    head_name, _ = classifier(model)
    if conv_key in state and conv_key in own and state[conv_key].shape != own[conv_key].shape:
        state[conv_key] = _spread_channels(state[conv_key], own[conv_key].shape[1])
    head = {f"{head_name}.weight", f"{head_name}.bias"}
    mismatched = [key for key in state if key in own and state[key].shape != own[key].shape]
    problems = [
        *(key for key in mismatched if key not in head),
        *(key for key in state if key not in own),
        *(key for key in own if key not in state and key not in head),
    ]
    if problems:
        raise ConfigError(
            f"model.weights {path} does not fit this network (first difference: "
            f"'{problems[0]}'); use weights saved from the same architecture"
        )
    for key in mismatched:  # the classifier of another class count: stays freshly initialised
        del state[key]
    model.load_state_dict(state, strict=False)


def _read_state(path: Path) -> dict[str, torch.Tensor]:
    if not path.is_file():
        raise ConfigError(f"model.weights file not found: {path}")
    try:
        loaded: Any = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as err:  # any unreadable file is the same user error
        reason = str(err).splitlines()[0] if str(err) else type(err).__name__
        raise ConfigError(f"model.weights {path} is not a readable state dict: {reason}") from None
    for key in ("state_dict", "model"):  # checkpoints that wrap the weights
        if isinstance(loaded, dict) and isinstance(loaded.get(key), dict):
            loaded = loaded[key]
    if not isinstance(loaded, dict) or not all(
        isinstance(v, torch.Tensor) for v in loaded.values()
    ):
        raise ConfigError(f"model.weights {path} holds no state dict of tensors")
    return {str(k).removeprefix("module."): v for k, v in loaded.items()}


def _spread_channels(weight: torch.Tensor, in_channels: int) -> torch.Tensor:
    """RGB filters for another channel count: summed for 1, cycled and rescaled otherwise."""
    if in_channels == 1:
        return weight.sum(dim=1, keepdim=True)
    repeats = -(-in_channels // weight.shape[1])
    spread = weight.repeat(1, repeats, 1, 1)[:, :in_channels]
    return spread * (weight.shape[1] / in_channels)
