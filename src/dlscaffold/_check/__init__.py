"""`dlscaffold check`: the CI gate. Each check is a function returning `Finding`s.

Names load on first use: `dlscaffold new` imports `_check.pristine` alone and must not pay
for every check module.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from dlscaffold._check.api import check_project
    from dlscaffold._check.codes import EXIT_FINDINGS, EXIT_PASSED, EXIT_UPDATE_AVAILABLE
    from dlscaffold._check.findings import CheckReport, Finding

_LAZY = {
    "check_project": "dlscaffold._check.api",
    "EXIT_FINDINGS": "dlscaffold._check.codes",
    "EXIT_PASSED": "dlscaffold._check.codes",
    "EXIT_UPDATE_AVAILABLE": "dlscaffold._check.codes",
    "CheckReport": "dlscaffold._check.findings",
    "Finding": "dlscaffold._check.findings",
}
__all__ = [
    "EXIT_FINDINGS",
    "EXIT_PASSED",
    "EXIT_UPDATE_AVAILABLE",
    "CheckReport",
    "Finding",
    "check_project",
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
