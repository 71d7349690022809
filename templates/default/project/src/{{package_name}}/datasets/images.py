"""Decode one image file with Pillow into a uint8 array of `channels` channels.

Every mode Pillow reads is converted: grayscale, RGB, RGBA and LA (alpha dropped), palette,
CMYK, YCbCr, 1-bit, and 16-bit or float grayscale (scaled to 0-255). The EXIF orientation of
a photo is applied, so a portrait taken by a rotated camera is upright. A JPEG much larger than
the size asked for is decoded at a reduced scale (see `_draft`).
"""

import warnings
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from ..errors import ImageReadError

# Pillow's own limit (about 89 million pixels, a 9459 x 9459 image); `data.max_image_pixels`.
DEFAULT_MAX_PIXELS = 89_478_485
EXIF_ORIENTATION = 0x0112
# Modes holding more than 8 bits per pixel, scaled to 0-255 by their range.
_WIDE_MODES = {"I": 65535.0, "I;16": 65535.0, "I;16B": 65535.0, "I;16L": 65535.0, "F": 1.0}
# EXIF orientations that rotate by 90 or 270 degrees (width and height swap).
_TURNED = {5, 6, 7, 8}


def load_image(
    path: Path,
    *,
    channels: int,
    image_size: Sequence[int] | None = None,
    max_pixels: int = DEFAULT_MAX_PIXELS,
) -> np.ndarray:
    """Read one image as a uint8 array of shape (channels, height, width).

    `image_size` ([height, width]) resizes it (bilinear); None keeps its own size. An
    unreadable, truncated or oversized (more than `max_pixels`) file raises ImageReadError
    naming it (`inspect-data` lists all of them).
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(path) as opened:
                if opened.width * opened.height > max_pixels:
                    raise ImageReadError.for_file(
                        path,
                        f"{opened.width}x{opened.height} pixels, more than "
                        f"data.max_image_pixels={max_pixels} (a decompression bomb?)",
                    )
                orientation = _orientation(opened)
                if image_size is not None and opened.format == "JPEG":
                    _draft(opened, image_size, turned=orientation in _TURNED)
                image = opened
                if orientation != 1:  # else: no copy needed
                    image = ImageOps.exif_transpose(opened)
                image = _convert(image, channels)
        if image_size is not None:
            height, width = image_size
            if image.size != (width, height):
                image = image.resize((width, height), Image.Resampling.BILINEAR)
        array = np.array(image, dtype=np.uint8)  # a writable copy
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as err:
        if isinstance(err, ImageReadError):
            raise
        raise ImageReadError.for_file(path, _reason(err)) from None
    except Image.DecompressionBombError as err:
        raise ImageReadError.for_file(path, f"{_reason(err)} (a decompression bomb?)") from None
    return array[None] if array.ndim == 2 else array.transpose(2, 0, 1)


def _orientation(image: Image.Image) -> int:
    """The EXIF orientation tag (1 = upright). A JPEG keeps EXIF in `info["exif"]` only, so one
    without it is upright without parsing anything (the common case, read for every sample)."""
    if image.format == "JPEG" and "exif" not in image.info:
        return 1
    return image.getexif().get(EXIF_ORIENTATION, 1)


def _draft(image: Image.Image, image_size: Sequence[int], *, turned: bool) -> None:
    """Let libjpeg decode at 1/2, 1/4 or 1/8 scale when that still covers `image_size`.

    Scaling in the DCT costs almost nothing and skips most of the decoding work for a photo
    much larger than the network's input (the resize that follows does the rest, as
    `Image.thumbnail` does). Pillow picks the largest reduction that keeps both sides at least
    the requested size, so nothing is ever upsampled; an image at most twice the size is
    decoded exactly as without it. `turned`: the EXIF rotation swaps width and height later.
    """
    height, width = image_size
    image.draft(image.mode, (height, width) if turned else (width, height))


def _convert(image: Image.Image, channels: int) -> Image.Image:
    """`image` in mode L (channels 1) or RGB (channels 3); loaded, copied only if converted."""
    if image.mode in _WIDE_MODES:
        scale = 255.0 / _WIDE_MODES[image.mode]
        pixels = np.asarray(image, dtype=np.float64) * scale
        image = Image.fromarray(np.clip(pixels.round(), 0, 255).astype(np.uint8), mode="L")
    elif image.mode == "P":  # a palette may be grayscale, colour, with transparency
        image = image.convert("RGBA")
    target = "L" if channels == 1 else "RGB"
    if image.mode == target:  # Pillow's convert to the same mode would copy every pixel
        image.load()
        return image
    return image.convert(target)


def _reason(err: BaseException) -> str:
    text = str(err)
    return text.splitlines()[0] if text else type(err).__name__
