"""The examples at the end of every `--help` (and of docs/cli.md, generated from them)."""

from __future__ import annotations

from dlscaffold._check.findings import GROUPS


def _examples(*lines: str) -> str:
    r"""Format `command  # comment` lines as an epilog; `\b` keeps click from re-flowing them."""
    return "\b\nExamples:\n" + "\n".join(f"  $ {line}" for line in lines)


EPILOGS: dict[str, str] = {
    "dlscaffold": _examples(
        "dlscaffold new mnist-lab --defaults",
        "dlscaffold check --json   # one JSON envelope on stdout (see docs/json.md)",
    ),
    "new": _examples(
        "dlscaffold new mnist-lab --defaults",
        "dlscaffold new lab -d package_name=vision --link cells=/data/cells --no-example-data",
    ),
    "update": _examples(
        "dlscaffold update --diff --patch   # preview, write nothing",
        "dlscaffold update -p ~/lab --vcs-ref v0.3.1",
    ),
    "check": "\b\nFinding groups (for --fail-on): "
    + ", ".join(GROUPS)
    + ".\n"
    + _examples(
        "dlscaffold check --fail-on all",
        "dlscaffold check -p ~/lab --json --fail-on drift,markers",
    ).removeprefix("\b\n"),
    "data": _examples(
        "dlscaffold data link cells /data/cells",
        "dlscaffold data verify --full",
    ),
    "data link": _examples(
        "dlscaffold data link cells /data/cells",
        "dlscaffold data link scratch /tmp/scratch --no-protect -p ~/lab",
    ),
    "data list": _examples("dlscaffold data list", "dlscaffold data list --json"),
    "data verify": _examples(
        "dlscaffold data verify cells --full",
        "dlscaffold data verify --accept   # the changes were intended",
    ),
    "data unlink": _examples(
        "dlscaffold data unlink cells",
        "dlscaffold data unlink cells --unprotect",
    ),
}
