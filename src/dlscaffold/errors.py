"""Public exception hierarchy of dlscaffold.

Every error a user can cause derives from `UserError` and carries the process exit code the
CLI uses for it. All exit codes of every command are defined here, so none is reused.
Constructors never print; the single error boundary in `dlscaffold._cli` turns an error into
one line on stderr.
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_USER_ERROR = 1
EXIT_USAGE = 2  # Typer's own; never reused by dlscaffold
EXIT_UPDATE_AVAILABLE = 3
EXIT_UNTRUSTED = 4
EXIT_UPDATED_WITH_CONFLICTS = 5  # update: applied, some files hold conflict markers
# update: already at the target version's content. Success, as for `git pull` when up to
# date; the output (and `--json`'s "nothing_to_do") says so. (6 until 0.1: never reused.)
EXIT_NOTHING_TO_DO = EXIT_OK
EXIT_FINDINGS = 7  # check: a failing finding; data verify: a dataset differs
EXIT_INTERRUPTED = 130  # Ctrl-C (SIGINT), 128 + 2 as shells report it
EXIT_TERMINATED = 143  # SIGTERM (`kill`, a CI job cancelled), 128 + 15


class Terminated(KeyboardInterrupt):
    """SIGTERM arrived. A `KeyboardInterrupt`, so every clean-up that undoes a Ctrl-C runs."""


class DlscaffoldWarning(UserWarning):
    """Something dlscaffold did on its own that the user should hear of (one line)."""


class DlscaffoldError(Exception):
    """Root of every exception dlscaffold raises on purpose."""

    exit_code: int = EXIT_USER_ERROR


class UserError(DlscaffoldError):
    """An expected failure caused by input: the message says what is wrong and what to do."""


class DestinationError(UserError):
    """The destination folder cannot receive a new project."""


class TemplateNotFoundError(UserError):
    """The template source does not exist or cannot be read."""


class TemplateSandboxError(UserError):
    """A template tried something Jinja's sandbox forbids (private attributes, huge ranges)."""


class InvalidAnswerError(UserError, ValueError):
    """An answer given with `--data` is unknown, of the wrong type or fails validation."""


class UntrustedTemplateError(UserError):
    """A template wants to run code (tasks, migrations, extensions) without `--trust`."""

    exit_code = EXIT_UNTRUSTED


class GitError(DlscaffoldError):
    """A git command failed where it should not have."""

    def __init__(self, *, command: list[str], stderr: str) -> None:
        lines = [line.strip() for line in stderr.splitlines() if line.strip()]
        telling = [line for line in lines if line.startswith(("fatal:", "error:"))]
        reason = (telling or lines or ["no message"])[-1]
        super().__init__(f"git {command[0] if command else ''} failed: {reason}")
        self.command = command
        self.stderr = stderr
