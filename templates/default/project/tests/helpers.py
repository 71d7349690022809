"""Test helpers shared by several test modules."""

import sys
import types
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image
from torch import nn

PROJECT_ROOT = Path(__file__).resolve().parents[1]
CONFIGS = PROJECT_ROOT / "configs"


def write_image_folder(root: Path, *, classes: int = 3, per_class: int = 12, size: int = 8) -> Path:
    """`<root>/<class>/<index>.png`; class k is a bright horizontal band at row k, easy to learn."""
    rng = np.random.default_rng(0)
    for label in range(classes):
        folder = root / f"class_{label}"
        folder.mkdir(parents=True, exist_ok=True)
        for index in range(per_class):
            pixels = rng.integers(0, 60, size=(size, size), dtype=np.uint8)
            band = label * size // classes
            pixels[band : band + 2] = 255
            Image.fromarray(pixels, mode="L").save(folder / f"{index:04d}.png")
    return root


class TinyResNet(nn.Module):
    """Shaped like torchvision's ResNet: `conv1` sees the image, `fc` gives the logits."""

    def __init__(self, num_classes: int = 1000) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(3, 4, kernel_size=3, stride=2, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(4)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(4, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(self.pool(self.bn1(self.conv1(x))).flatten(1))


class TinyEfficientNet(nn.Module):
    """Shaped like torchvision's EfficientNet: `features.0.0` first, `classifier.1` last."""

    def __init__(self, num_classes: int = 1000) -> None:
        super().__init__()
        self.features = nn.Sequential(nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.ReLU()))
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Sequential(nn.Dropout(0.2), nn.Linear(4, num_classes))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.pool(self.features(x)).flatten(1))


FAKE_NETWORKS = {"tiny_resnet": TinyResNet, "tiny_efficientnet": TinyEfficientNet}


def install_fake_torchvision(monkeypatch: pytest.MonkeyPatch) -> types.ModuleType:
    """Put a fake `torchvision.models` into `sys.modules` for one test.

    torchvision is an optional extra whose wheels import only next to the torch build they were
    made for, so tests cannot rely on it. The fake offers what the project uses
    (`list_models(module=...)`, `get_model(name, weights=None, num_classes=...)`) and two tiny
    networks laid out like torchvision's, enough to test the generic adaptation.
    """
    models = types.ModuleType("torchvision.models")

    def list_models(module: types.ModuleType | None = None) -> list[str]:
        assert module is models  # classification networks only
        return sorted(FAKE_NETWORKS)

    def get_model(name: str, *, weights: object = None, num_classes: int = 1000) -> nn.Module:
        assert weights is None  # nothing is ever downloaded
        return FAKE_NETWORKS[name](num_classes=num_classes)

    models.list_models = list_models  # type: ignore[attr-defined]
    models.get_model = get_model  # type: ignore[attr-defined]
    package = types.ModuleType("torchvision")
    package.models = models  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "torchvision", package)
    monkeypatch.setitem(sys.modules, "torchvision.models", models)
    return models


def latest_run_dir(logs: Path) -> Path:
    """The run folder `logs/LATEST` names (the newest run)."""
    return logs / (logs / "LATEST").read_text(encoding="utf-8").strip()
