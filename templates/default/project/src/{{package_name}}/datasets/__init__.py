"""Dataset classes, the helpers that find and split their files, and the config transforms."""

from ..errors import DatasetNotFoundError
from .image_folder import ImageFolderDataset
from .images import DEFAULT_MAX_PIXELS, load_image
from .scan import (
    IMAGE_SUFFIXES,
    SPLITS,
    DatasetFiles,
    Split,
    scan_dataset,
    scan_image_folder,
    split_samples,
    split_stratified,
    stratified_split,
)
from .transforms import Pipeline, build_pipeline, default_pipeline

__all__ = [
    "DEFAULT_MAX_PIXELS",
    "IMAGE_SUFFIXES",
    "SPLITS",
    "DatasetFiles",
    "DatasetNotFoundError",
    "ImageFolderDataset",
    "Pipeline",
    "Split",
    "build_pipeline",
    "default_pipeline",
    "load_image",
    "scan_dataset",
    "scan_image_folder",
    "split_samples",
    "split_stratified",
    "stratified_split",
]
