"""Exit codes of `dlscaffold update`, distinct from those in `dlscaffold.errors`.

0 and 1 keep their global meaning; 2 (usage), 3 (update available, `check`), 4 (untrusted),
130 (interrupted by Ctrl-C) and 143 (terminated by SIGTERM, 128 + 15, as shells report it)
are never reused. A preview (`--diff`) exits with the code the same
update would have given.
"""

from __future__ import annotations

from dlscaffold.errors import (
    EXIT_INTERRUPTED,
    EXIT_NOTHING_TO_DO,
    EXIT_OK,
    EXIT_UPDATED_WITH_CONFLICTS,
    EXIT_USER_ERROR,
)

EXIT_UPDATED = EXIT_OK
EXIT_REFUSED = EXIT_USER_ERROR  # dirty tree, no answers file, downgrade, unknown version
EXIT_TERMINATED = 143  # SIGTERM, handled as Ctrl-C (EXIT_INTERRUPTED, 130)

__all__ = [
    "EXIT_INTERRUPTED",
    "EXIT_NOTHING_TO_DO",
    "EXIT_REFUSED",
    "EXIT_TERMINATED",
    "EXIT_UPDATED",
    "EXIT_UPDATED_WITH_CONFLICTS",
]
