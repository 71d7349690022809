"""`dlscaffold update`: three-way updates of a project to a newer template version.

Copier renders the project's recorded template version and the target version into scratch
folders; dlscaffold merges them into the project file by file (`plan.py`), shows the plan
without writing (`preview`), or applies it under a rollback guard (`apply.py`,
`rollback.py`). See docs/update.md for why the merge is ours and not `copier update`'s.
"""

from __future__ import annotations

from dlscaffold._update.api import UpdateResult, update_project
from dlscaffold._update.codes import (
    EXIT_NOTHING_TO_DO,
    EXIT_REFUSED,
    EXIT_UPDATED,
    EXIT_UPDATED_WITH_CONFLICTS,
)

__all__ = [
    "EXIT_NOTHING_TO_DO",
    "EXIT_REFUSED",
    "EXIT_UPDATED",
    "EXIT_UPDATED_WITH_CONFLICTS",
    "UpdateResult",
    "update_project",
]
