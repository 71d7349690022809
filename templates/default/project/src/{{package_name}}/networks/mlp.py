"""A multi-layer perceptron over flattened pixels."""

from collections.abc import Sequence

import torch
from torch import nn


class MLP(nn.Module):
    """Flatten, then Linear-ReLU-Dropout per hidden width, then a linear classifier."""

    def __init__(
        self,
        in_features: int,
        num_classes: int,
        hidden: Sequence[int] = (256, 128),
        dropout: float = 0.1,
    ) -> None:
        super().__init__()
        layers: list[nn.Module] = [nn.Flatten()]
        width = in_features
        for out in hidden:
            layers += [nn.Linear(width, out), nn.ReLU(inplace=True), nn.Dropout(dropout)]
            width = out
        layers.append(nn.Linear(width, num_classes))
        self.net = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Map images (N, C, H, W) or vectors (N, F) to class logits (N, num_classes)."""
        return self.net(x)
