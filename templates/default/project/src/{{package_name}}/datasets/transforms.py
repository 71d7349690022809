"""Preprocessing and augmentation declared in the config (`data.transforms.train|eval`).

A pipeline is a list of one-key mappings applied in order to a uint8 image tensor
(channels, height, width); the result is float. Names, arguments and meaning follow
`torchvision.transforms.v2` (Resize, CenterCrop, RandomCrop, RandomResizedCrop,
RandomHorizontalFlip, RandomVerticalFlip, ColorJitter, Normalize), written here on plain torch
tensors: torchvision is an optional extra of this project (its wheels are built against one
exact torch build each, and a CPU-only torch often has no matching one), and one
implementation keeps training and inference identical wherever the project runs.

    transforms:
      train:
        - resize: [36, 36]          # [height, width], or one number for the shorter side
        - random_crop: [32, 32]     # or {size: [32, 32], padding: 4}
        - hflip: 0.5                # probability
        - color_jitter: {brightness: 0.2, contrast: 0.2, saturation: 0.2, hue: 0.05}
        - normalize: {mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25]}
      eval:
        - resize: [36, 36]
        - center_crop: [32, 32]
        - normalize: {mean: 0.5, std: 0.25}

Geometric transforms keep the dtype (uint8 in, uint8 out; resize by Pillow's bilinear filter);
`color_jitter` and `normalize` work on floats in [0, 1], converted on the way. Random draws use
torch's global generator, which the trainer seeds and checkpoints.
"""

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from PIL import Image as PILImage
from torch.nn import functional as F

from ..errors import ConfigError

Image = torch.Tensor
Op = Callable[[Image], Image]


@dataclass(frozen=True)
class Step:
    name: str
    op: Op
    cacheable: bool  # deterministic and keeps uint8: may run once, before the cache
    out_size: tuple[int, int] | None  # the fixed (height, width) it produces, if any


class Pipeline:
    """Steps applied in order; `prepare` runs the cacheable head, `finish` the rest."""

    def __init__(self, steps: Sequence[Step]) -> None:
        self.steps = list(steps)
        head = 0
        while head < len(self.steps) and self.steps[head].cacheable:
            head += 1
        self._head, self._tail = self.steps[:head], self.steps[head:]

    def prepare(self, image: Image) -> Image:
        """The deterministic, dtype-keeping first steps (the result may be cached)."""
        for step in self._head:
            image = step.op(image)
        return image

    def finish(self, image: Image) -> Image:
        """The remaining steps, then float in [0, 1] if no step made it float yet."""
        for step in self._tail:
            image = step.op(image)
        return to_float(image)

    def __call__(self, image: Image) -> Image:
        return self.finish(self.prepare(image))

    @property
    def leading_size(self) -> tuple[int, int] | None:
        """The (height, width) of a first `resize` to a fixed size: done while decoding."""
        first = self.steps[0] if self.steps else None
        return first.out_size if first is not None and first.name == "resize" else None

    @property
    def out_size(self) -> tuple[int, int] | None:
        """The (height, width) every output has, when the steps fix it."""
        for step in reversed(self.steps):
            if step.out_size is not None:
                return step.out_size
            if step.name == "resize":  # resize to a shorter side: depends on the image
                return None
        return None


def to_float(image: Image) -> Image:
    """uint8 [0, 255] -> float32 [0, 1]; float images pass through."""
    return image.float().div_(255.0) if image.dtype == torch.uint8 else image


def default_pipeline(image_size: Sequence[int], mean: float, std: float) -> list[dict[str, Any]]:
    """What `data.transforms.train|eval: null` means: resize, then normalize."""
    return [{"resize": list(image_size)}, {"normalize": {"mean": mean, "std": std}}]


def build_pipeline(spec: Sequence[Any], *, key: str) -> Pipeline:
    """Parse a pipeline from config; a bad entry is a ConfigError naming `key[i].name`."""
    if not isinstance(spec, Sequence) or isinstance(spec, str):
        raise ConfigError(f"'{key}' must be a list of transforms, e.g. [" + "{hflip: 0.5}]")
    steps = []
    for position, entry in enumerate(spec):
        where = f"{key}[{position}]"
        if not isinstance(entry, dict) or len(entry) != 1:
            raise ConfigError(
                f"'{where}' must be one `name: arguments` mapping, e.g. " + "{resize: [32, 32]}"
            )
        ((name, arg),) = entry.items()
        if name not in BUILDERS:
            raise ConfigError(
                f"unknown transform '{where}.{name}': choose one of {', '.join(BUILDERS)}"
            )
        try:
            steps.append(BUILDERS[name](arg))
        except (TypeError, ValueError) as err:
            raise ConfigError(f"invalid arguments for '{where}.{name}': {err}") from None
    return Pipeline(steps)


# --- argument parsing -------------------------------------------------------------------------


def _size(value: Any) -> tuple[int, int] | int:
    """[height, width] or one int (shorter side for resize, square for crops)."""
    if isinstance(value, bool):
        raise ValueError(f"expected a size ([height, width] or one number), got {value!r}")
    if isinstance(value, int) and value >= 1:
        return value
    if (
        isinstance(value, Sequence)
        and len(value) == 2
        and all(isinstance(v, int) and not isinstance(v, bool) and v >= 1 for v in value)
    ):
        return int(value[0]), int(value[1])
    raise ValueError(f"expected a size ([height, width] or one number >= 1), got {value!r}")


def _square(size: tuple[int, int] | int) -> tuple[int, int]:
    return size if isinstance(size, tuple) else (size, size)


def _number(value: Any, *, low: float = 0.0, high: float = math.inf, what: str = "value") -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{what} must be a number, got {value!r}")
    if not low <= value <= high:
        raise ValueError(f"{what} must be between {low} and {high}, got {value!r}")
    return float(value)


def _options(value: Any, allowed: dict[str, Any], *, first: str) -> dict[str, Any]:
    """A mapping of `allowed` keys (defaults filled in); a bare value sets key `first`."""
    if not isinstance(value, dict):
        value = {first: value}
    unknown = sorted(set(value) - set(allowed))
    if unknown:
        raise ValueError(f"unknown argument '{unknown[0]}' (valid: {', '.join(allowed)})")
    return {**allowed, **value}


def _pair(value: Any, *, what: str) -> tuple[float, float]:
    if not isinstance(value, Sequence) or len(value) != 2:
        raise ValueError(f"{what} must be [low, high], got {value!r}")
    low, high = (_number(v, what=what) for v in value)
    if low > high:
        raise ValueError(f"{what} must be [low, high] with low <= high, got {value!r}")
    return low, high


def _channel_values(value: Any, *, what: str, positive: bool = False) -> list[float]:
    values = list(value) if isinstance(value, Sequence) and not isinstance(value, str) else [value]
    if not values:
        raise ValueError(f"{what} must be a number or a list of numbers (one per channel)")
    numbers = [_number(v, low=-math.inf, what=what) for v in values]
    if positive and any(v <= 0 for v in numbers):
        raise ValueError(f"{what} must be > 0, got {value!r}")
    return numbers


# --- the transforms ---------------------------------------------------------------------------


def resize_image(image: Image, size: tuple[int, int]) -> Image:
    """Bilinear, antialiased resize to (height, width); a no-op at that size already.

    uint8 images are resized by Pillow, exactly as `load_image(image_size=...)` does when the
    pipeline starts with this resize (the dataset then resizes while decoding, saving a copy).
    """
    if tuple(image.shape[-2:]) == size:
        return image
    if image.dtype == torch.uint8:
        array = np.ascontiguousarray(image.permute(1, 2, 0).numpy())
        pil = PILImage.fromarray(array[..., 0] if array.shape[2] == 1 else array)
        resized = np.asarray(pil.resize((size[1], size[0]), PILImage.Resampling.BILINEAR))
        out = torch.from_numpy(resized.copy())
        return out[None] if out.ndim == 2 else out.permute(2, 0, 1)
    return F.interpolate(
        image[None], size=size, mode="bilinear", antialias=True, align_corners=False
    )[0]


def _shorter_side(image: Image, side: int) -> tuple[int, int]:
    height, width = image.shape[-2:]
    if height <= width:
        return side, max(1, round(width * side / height))
    return max(1, round(height * side / width)), side


def _resize(arg: Any) -> Step:
    size = _size(arg)
    if isinstance(size, tuple):
        return Step("resize", lambda img: resize_image(img, size), True, size)
    return Step("resize", lambda img: resize_image(img, _shorter_side(img, size)), True, None)


def crop(image: Image, top: int, left: int, height: int, width: int) -> Image:
    """The (height, width) window at (top, left); outside the image is zero (as in v2)."""
    img_h, img_w = image.shape[-2:]
    if top >= 0 and left >= 0 and top + height <= img_h and left + width <= img_w:
        return image[..., top : top + height, left : left + width]
    pad = (max(0, -left), max(0, left + width - img_w), max(0, -top), max(0, top + height - img_h))
    padded = F.pad(image, pad)
    top, left = max(0, top), max(0, left)
    return padded[..., top : top + height, left : left + width]


def _center_crop(arg: Any) -> Step:
    height, width = _square(_size(arg))

    def op(img: Image) -> Image:
        img_h, img_w = img.shape[-2:]
        top = round((img_h - height) / 2.0)
        left = round((img_w - width) / 2.0)
        return crop(img, top, left, height, width)

    return Step("center_crop", op, True, (height, width))


def _random_crop(arg: Any) -> Step:
    options = _options(arg, {"size": None, "padding": 0}, first="size")
    height, width = _square(_size(options["size"]))
    padding = int(_number(options["padding"], what="padding"))

    def op(img: Image) -> Image:
        # The window is drawn in the zero-padded image, as in v2; `crop` fills zeros only where
        # the window leaves the image, instead of padding the whole image first.
        img_h, img_w = img.shape[-2] + 2 * padding, img.shape[-1] + 2 * padding
        top = int(torch.randint(0, max(img_h - height, 0) + 1, ()).item())
        left = int(torch.randint(0, max(img_w - width, 0) + 1, ()).item())
        return crop(img, top - padding, left - padding, height, width)

    return Step("random_crop", op, False, (height, width))


def _random_resized_crop(arg: Any) -> Step:
    options = _options(
        arg, {"size": None, "scale": [0.08, 1.0], "ratio": [3 / 4, 4 / 3]}, first="size"
    )
    size = _square(_size(options["size"]))
    scale = _pair(options["scale"], what="scale")
    ratio = _pair(options["ratio"], what="ratio")
    if ratio[0] <= 0:
        raise ValueError(f"ratio must be > 0, got {options['ratio']!r}")

    def op(img: Image) -> Image:
        top, left, height, width = _crop_box(img.shape[-2:], scale, ratio)
        return resize_image(crop(img, top, left, height, width), size)

    return Step("random_resized_crop", op, False, size)


def _crop_box(
    shape: Sequence[int], scale: tuple[float, float], ratio: tuple[float, float]
) -> tuple[int, int, int, int]:
    """torchvision's RandomResizedCrop box: 10 tries, then the central crop."""
    img_h, img_w = int(shape[0]), int(shape[1])
    area = img_h * img_w
    log_ratio = torch.log(torch.tensor(ratio))
    for _ in range(10):
        target = area * torch.empty(1).uniform_(*scale).item()
        aspect = math.exp(torch.empty(1).uniform_(log_ratio[0], log_ratio[1]).item())
        width = round(math.sqrt(target * aspect))
        height = round(math.sqrt(target / aspect))
        if 0 < width <= img_w and 0 < height <= img_h:
            top = int(torch.randint(0, img_h - height + 1, ()).item())
            left = int(torch.randint(0, img_w - width + 1, ()).item())
            return top, left, height, width
    in_ratio = img_w / img_h
    if in_ratio < ratio[0]:
        width, height = img_w, round(img_w / ratio[0])
    elif in_ratio > ratio[1]:
        height, width = img_h, round(img_h * ratio[1])
    else:
        width, height = img_w, img_h
    return (img_h - height) // 2, (img_w - width) // 2, height, width


def _flip(name: str, dim: int) -> Callable[[Any], Step]:
    def build(arg: Any) -> Step:
        options = _options(arg, {"p": 0.5}, first="p")
        p = _number(options["p"], high=1.0, what="p (probability)")

        def op(img: Image) -> Image:
            return img.flip(dim) if torch.rand(()).item() < p else img

        return Step(name, op, False, None)

    return build


def _normalize(arg: Any) -> Step:
    if not isinstance(arg, dict):
        raise ValueError("expected {mean: ..., std: ...}, got " + repr(arg))
    options = _options(arg, {"mean": None, "std": None}, first="mean")
    mean = torch.tensor(_channel_values(options["mean"], what="mean"))[:, None, None]
    std = torch.tensor(_channel_values(options["std"], what="std", positive=True))[:, None, None]

    per_channel = max(mean.shape[0], std.shape[0])

    def op(img: Image) -> Image:
        if img.dtype == torch.uint8 and img.shape[-3] >= per_channel:
            # The same arithmetic in place on the new float copy: one allocation, not three.
            return img.float().div_(255.0).sub_(mean).div_(std)
        return (to_float(img) - mean) / std

    return Step("normalize", op, False, None)


def _color_jitter(arg: Any) -> Step:
    if not isinstance(arg, dict):
        raise ValueError("expected {brightness: ..., contrast: ..., ...}, got " + repr(arg))
    defaults = {"brightness": 0.0, "contrast": 0.0, "saturation": 0.0, "hue": 0.0}
    options = _options(arg, defaults, first="brightness")
    ranges = {}
    for name in ("brightness", "contrast", "saturation"):
        amount = _number(options[name], what=name)
        ranges[name] = (max(0.0, 1.0 - amount), 1.0 + amount)
    hue = _number(options["hue"], high=0.5, what="hue")
    ranges["hue"] = (-hue, hue)
    adjust = {
        "brightness": adjust_brightness,
        "contrast": adjust_contrast,
        "saturation": adjust_saturation,
        "hue": adjust_hue,
    }

    def op(img: Image) -> Image:
        img = to_float(img)
        for index in torch.randperm(4).tolist():  # random order, as ColorJitter
            name = list(adjust)[index]
            low, high = ranges[name]
            factor = torch.empty(1).uniform_(low, high).item()
            if (name == "hue" and factor != 0.0) or (name != "hue" and factor != 1.0):
                img = adjust[name](img, factor)
        return img

    return Step("color_jitter", op, False, None)


def _gray(img: Image) -> Image:
    if img.shape[0] == 1:
        return img
    r, g, b = img[0], img[1], img[2]
    return (0.2989 * r + 0.587 * g + 0.114 * b)[None]


def _blend(img: Image, other: Image | float, factor: float) -> Image:
    return (factor * img + (1.0 - factor) * other).clamp_(0.0, 1.0)


def adjust_brightness(img: Image, factor: float) -> Image:
    return _blend(img, 0.0, factor)


def adjust_contrast(img: Image, factor: float) -> Image:
    return _blend(img, _gray(img).mean().item(), factor)


def adjust_saturation(img: Image, factor: float) -> Image:
    return img if img.shape[0] == 1 else _blend(img, _gray(img), factor)


def adjust_hue(img: Image, shift: float) -> Image:
    """Rotate the hue by `shift` (a fraction of the colour circle); grayscale is unchanged."""
    if img.shape[0] == 1:
        return img
    hue, sat, val = _rgb_to_hsv(img)
    return _hsv_to_rgb((hue + shift) % 1.0, sat, val)


def _rgb_to_hsv(img: Image) -> tuple[Image, Image, Image]:
    r, g, b = img[0], img[1], img[2]
    maxc, _ = img.max(dim=0)
    minc, _ = img.min(dim=0)
    delta = maxc - minc
    sat = delta / torch.where(maxc == 0, torch.ones_like(maxc), maxc)
    safe = torch.where(delta == 0, torch.ones_like(delta), delta)
    rc, gc, bc = (maxc - r) / safe, (maxc - g) / safe, (maxc - b) / safe
    hue = torch.where(maxc == r, bc - gc, torch.where(maxc == g, 2.0 + rc - bc, 4.0 + gc - rc))
    hue = torch.where(delta == 0, torch.zeros_like(hue), (hue / 6.0) % 1.0)
    return hue, sat, maxc


def _hsv_to_rgb(hue: Image, sat: Image, val: Image) -> Image:
    sector = torch.floor(hue * 6.0)
    frac = hue * 6.0 - sector
    sector = sector.long() % 6
    p = val * (1.0 - sat)
    q = val * (1.0 - sat * frac)
    t = val * (1.0 - sat * (1.0 - frac))
    table = torch.stack(
        [
            torch.stack([val, q, p, p, t, val]),
            torch.stack([t, val, val, q, p, p]),
            torch.stack([p, p, t, val, val, q]),
        ]
    )  # (3 channels, 6 sectors, H, W)
    return table.gather(1, sector[None, None].expand(3, 1, *sector.shape))[:, 0].clamp_(0, 1)


BUILDERS: dict[str, Callable[[Any], Step]] = {
    "resize": _resize,
    "center_crop": _center_crop,
    "random_crop": _random_crop,
    "random_resized_crop": _random_resized_crop,
    "hflip": _flip("hflip", -1),
    "vflip": _flip("vflip", -2),
    "color_jitter": _color_jitter,
    "normalize": _normalize,
}
