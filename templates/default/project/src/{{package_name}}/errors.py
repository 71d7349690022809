"""Expected failures. The CLI prints their message as one line and exits with code 1."""

from pathlib import Path


class ProjectError(Exception):
    """Root of the errors a user can fix; the message says what is wrong and what to do."""


class ConfigError(ProjectError, ValueError):
    """A config problem, explained in one line that names the key."""


class DatasetNotFoundError(ProjectError, FileNotFoundError):
    """The dataset folder is missing or a broken link."""

    @classmethod
    def for_root(cls, root: Path) -> "DatasetNotFoundError":
        """The error for a missing `root`, telling how to link it."""
        name = root.name
        if root.is_symlink():
            return cls(
                f"dataset link {root} is broken (points to {root.readlink()}): "
                f"re-link it with `dlscaffold data link {name} /path/to/{name}`"
            )
        return cls(
            f"dataset folder {root} not found: link it with "
            f"`dlscaffold data link {name} /path/to/{name}` (run from the project root)"
        )


def require_dataset(root: str | Path) -> Path:
    """`root` as a Path if it is a folder (or a link to one); else DatasetNotFoundError."""
    root = Path(root)
    if not root.is_dir():
        raise DatasetNotFoundError.for_root(root)
    return root


class NonFiniteLossError(ProjectError, FloatingPointError):
    """The loss became NaN or infinite; training stopped and the last good checkpoint is kept."""


class CheckpointError(ProjectError):
    """A checkpoint cannot be found or read."""


class ImageReadError(ProjectError, OSError):
    """An image file that Pillow cannot read (corrupt, truncated or not an image)."""

    path: Path | None = None
    reason: str = ""

    @classmethod
    def for_file(cls, path: Path, reason: str) -> "ImageReadError":
        """The error for `path`, telling how to find every such file."""
        err = cls(
            f"cannot read image {path}: {reason} "
            "(remove or replace it; `inspect-data` lists every unreadable file)"
        )
        err.path, err.reason = path, reason
        return err


def one_line(err: BaseException) -> str:
    """The message of `err` for the one-line error.

    An error raised in a DataLoader worker comes back with the worker's traceback in its
    message; its last line, `module.ErrorType: message`, holds the original message.
    """
    text = str(err) or type(err).__name__
    if "Traceback" not in text:
        return text
    last = [line for line in text.splitlines() if line.strip()][-1]
    return last.partition(": ")[2] or last
