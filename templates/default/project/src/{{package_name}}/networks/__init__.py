"""Network architectures: pure `nn.Module`s with plain constructor arguments."""

from .cnn import SmallCNN
from .mlp import MLP

__all__ = ["MLP", "SmallCNN"]
