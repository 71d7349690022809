"""Allow `python -m dlscaffold`."""

from dlscaffold._cli import main

main()
