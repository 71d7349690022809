"""Finding the generated project a command runs on."""

from __future__ import annotations

from pathlib import Path

from dlscaffold.errors import UserError


def project_root(path: str | Path, *, answers_file: str) -> Path:
    """Return the project that holds `path`: the nearest folder upwards with `answers_file`.

    Commands run from anywhere inside a project, as git does. Without such a folder, `path`
    itself is returned, and the caller's own checks say what is missing.
    """
    start = Path(path).expanduser().absolute()
    if not start.exists():
        raise UserError(f"Folder '{path}' does not exist.")
    return nearest_folder_with(start, answers_file) or start


def nearest_folder_with(start: Path, *markers: str | Path) -> Path | None:
    """Return the nearest folder at or above `start` that holds one of the `markers` files."""
    for folder in (start, *start.parents):
        if any((folder / marker).is_file() for marker in markers):
            return folder
    return None
