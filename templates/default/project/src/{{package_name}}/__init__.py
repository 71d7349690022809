"""Train, inspect and run image classifiers; see README.md for the everyday commands."""

__version__ = "0.1.0"
