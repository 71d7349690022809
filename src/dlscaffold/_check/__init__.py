"""`dlscaffold check`: the CI gate. Each check is a function returning `Finding`s.

Names load on first use: `dlscaffold new` imports `_check.pristine` alone and must not pay
for every check module.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from dlscaffold._lazy import lazy_attributes

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


__getattr__ = lazy_attributes(__name__, _LAZY)
