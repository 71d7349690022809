"""dlscaffold: deep-learning projects with good engineering habits from the first minute.

The public Python API is `create_project` and the exceptions in `dlscaffold.errors`.
Heavy modules (copier, rich) load only when an API function is called, so that importing
the package and `dlscaffold --version` stay fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"
__all__ = ["__version__", "create_project"]

if TYPE_CHECKING:
    from dlscaffold._new import create_project


def __getattr__(name: str) -> Any:
    if name == "create_project":
        from dlscaffold._new import create_project

        return create_project
    raise AttributeError(f"module 'dlscaffold' has no attribute {name!r}")
