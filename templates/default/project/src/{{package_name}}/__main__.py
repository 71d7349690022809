"""`python -m <package>` (also what `torchrun -m <package>` runs)."""

from .cli import main

raise SystemExit(main())
