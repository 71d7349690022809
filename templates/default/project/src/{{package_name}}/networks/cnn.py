"""A small convolutional classifier for low-resolution images."""

from collections.abc import Sequence

import torch
from torch import nn


class SmallCNN(nn.Module):
    """Conv blocks (conv3x3-ReLU-maxpool2), adaptive average pooling, a two-layer head.

    The adaptive pool makes the head independent of the input size.
    """

    def __init__(
        self,
        in_channels: int,
        num_classes: int,
        channels: Sequence[int] = (32, 64),
        pool_size: int = 2,
        hidden: int = 128,
        dropout: float = 0.1,
    ) -> None:
        super().__init__()
        blocks: list[nn.Module] = []
        width = in_channels
        for out in channels:
            blocks += [
                nn.Conv2d(width, out, kernel_size=3, padding=1),
                nn.ReLU(inplace=True),
                nn.MaxPool2d(2, ceil_mode=True),
            ]
            width = out
        self.features = nn.Sequential(*blocks, nn.AdaptiveAvgPool2d(pool_size))
        self.head = nn.Sequential(
            nn.Flatten(),
            nn.Dropout(dropout),
            nn.Linear(width * pool_size * pool_size, hidden),
            nn.ReLU(inplace=True),
            nn.Linear(hidden, num_classes),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Map images (N, C, H, W) to class logits (N, num_classes)."""
        return self.head(self.features(x))
