"""Network architectures: pure `nn.Module`s with plain constructor arguments."""

from .cnn import SmallCNN
from .mlp import MLP
from .torchvision_net import build_torchvision_model

__all__ = ["MLP", "SmallCNN", "build_torchvision_model"]
