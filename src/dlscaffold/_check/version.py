"""The project is at the newest template version."""

from __future__ import annotations

from dlscaffold._check.findings import Finding
from dlscaffold._generated.source import list_versions, version_key
from dlscaffold.errors import DlscaffoldError


def check_version(src: str, recorded: str, relpath: str) -> tuple[str | None, list[Finding]]:
    """Return the newest template version and a finding when the project is behind it."""
    try:
        versions = list_versions(src)
    except DlscaffoldError as error:
        return None, [
            Finding(
                "template-unreachable",
                "version",
                f"Cannot list template versions: {error}",
                "Install dlscaffold (default template) or make the template source reachable.",
                relpath,
            )
        ]
    if not versions:
        return None, []
    latest = versions[-1]
    old, new = version_key(recorded), version_key(latest)
    if old is not None and new is not None and old < new:
        return latest, [
            Finding(
                "behind-template",
                "version",
                f"The project is at template version {recorded}; {latest} is available.",
                "Run `dlscaffold update` (preview with `dlscaffold update --diff`).",
                relpath,
            )
        ]
    return latest, []
