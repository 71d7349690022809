"""Names a package loads on first use, so that importing it (or one submodule) stays cheap."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping

TYPE_CHECKING = False  # not typing's: see dlscaffold/__init__.py
if TYPE_CHECKING:
    from typing import Any


def lazy_attributes(package: str, where: Mapping[str, str]) -> Callable[[str], Any]:
    """Return a module `__getattr__` that imports `where[name]` when `name` is first used."""

    def __getattr__(name: str) -> Any:
        if name in where:
            return getattr(importlib.import_module(where[name]), name)
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    return __getattr__
