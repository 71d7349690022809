"""`dlscaffold update`: three-way updates of a project to a newer template version.

Copier renders the project's recorded template version and the target version into scratch
folders; dlscaffold merges them into the project file by file (`plan.py`), shows the plan
without writing (`preview`), or applies it under a rollback guard (`apply.py`,
`rollback.py`). See docs/update.md for why the merge is ours and not `copier update`'s.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from dlscaffold._lazy import lazy_attributes

if TYPE_CHECKING:
    from dlscaffold._update.api import UpdateResult, update_project
    from dlscaffold._update.codes import (
        EXIT_NOTHING_TO_DO,
        EXIT_REFUSED,
        EXIT_UPDATED,
        EXIT_UPDATED_WITH_CONFLICTS,
    )

# Names load on first use, so that importing one submodule stays cheap.
_LAZY = {
    "UpdateResult": "dlscaffold._update.api",
    "update_project": "dlscaffold._update.api",
    "EXIT_NOTHING_TO_DO": "dlscaffold._update.codes",
    "EXIT_REFUSED": "dlscaffold._update.codes",
    "EXIT_UPDATED": "dlscaffold._update.codes",
    "EXIT_UPDATED_WITH_CONFLICTS": "dlscaffold._update.codes",
}
__all__ = [
    "EXIT_NOTHING_TO_DO",
    "EXIT_REFUSED",
    "EXIT_UPDATED",
    "EXIT_UPDATED_WITH_CONFLICTS",
    "UpdateResult",
    "update_project",
]


__getattr__ = lazy_attributes(__name__, _LAZY)
