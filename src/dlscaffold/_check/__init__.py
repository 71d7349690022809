"""`dlscaffold check`: the CI gate. Each check is a function returning `Finding`s."""

from __future__ import annotations

from dlscaffold._check.api import check_project
from dlscaffold._check.codes import EXIT_FINDINGS, EXIT_PASSED, EXIT_UPDATE_AVAILABLE
from dlscaffold._check.findings import CheckReport, Finding

__all__ = [
    "EXIT_FINDINGS",
    "EXIT_PASSED",
    "EXIT_UPDATE_AVAILABLE",
    "CheckReport",
    "Finding",
    "check_project",
]
