"""`python -m <package>` (also what `torchrun -m <package>` runs)."""

from .cli import main
from .utils.process_exit import finish

finish(main())
