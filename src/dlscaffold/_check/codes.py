"""Exit codes of `dlscaffold check`.

3 keeps its global meaning (an update is available) and is used when that is the only
failing finding; any other failing finding gives 7. 1 means the check could not run.
"""

from __future__ import annotations

from dlscaffold.errors import EXIT_FINDINGS, EXIT_OK, EXIT_UPDATE_AVAILABLE

EXIT_PASSED = EXIT_OK

__all__ = ["EXIT_FINDINGS", "EXIT_PASSED", "EXIT_UPDATE_AVAILABLE"]
