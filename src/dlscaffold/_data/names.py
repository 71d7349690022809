"""Which dataset names are allowed: plain names that stay inside `data/`."""

from __future__ import annotations

import re

from dlscaffold.errors import UserError

_PLAIN_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")
# Files the project keeps in data/ itself; a dataset of that name would replace them.
RESERVED_NAMES = frozenset({"README.md", "datasets.yaml"})


def is_plain_name(name: str) -> bool:
    """Tell whether `name` can be a dataset name (and so a file name in `data/`)."""
    return bool(_PLAIN_NAME.fullmatch(name)) and name not in RESERVED_NAMES and len(name) <= 100


def check_name(name: str) -> str:
    """Return `name` if it can be a dataset name, else raise a `UserError` saying why."""
    if not is_plain_name(name):
        raise UserError(
            f"Dataset name '{name}' is not a plain name: use letters, digits, '_', '.' and "
            "'-', starting with a letter or digit (no '/', '..' or hidden names)."
        )
    return name
