"""Dataset classes and the helpers that find and split their files."""

from .image_folder import (
    DatasetNotFoundError,
    ImageFolderDataset,
    load_image,
    scan_image_folder,
    stratified_split,
)

__all__ = [
    "DatasetNotFoundError",
    "ImageFolderDataset",
    "load_image",
    "scan_image_folder",
    "stratified_split",
]
