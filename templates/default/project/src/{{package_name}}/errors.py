"""Expected failures. The CLI prints their message as one line and exits with code 1."""


class ProjectError(Exception):
    """Root of the errors a user can fix; the message says what is wrong and what to do."""


class ConfigError(ProjectError, ValueError):
    """A config problem, explained in one line that names the key."""


class DatasetNotFoundError(ProjectError, FileNotFoundError):
    """The dataset folder is missing or a broken link."""


class NonFiniteLossError(ProjectError, FloatingPointError):
    """The loss became NaN or infinite; training stopped and the last good checkpoint is kept."""


class CheckpointError(ProjectError):
    """A checkpoint cannot be found or read."""
