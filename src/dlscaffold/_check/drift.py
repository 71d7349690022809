"""Files that drifted from a pristine render of the project's recorded template version.

What `cruft diff` shows, as findings: a template file the user changed or deleted. Paths in
the template's `_skip_if_exists` (meant to be edited) and `_exclude` (never rendered) are
not compared; ignore patterns are applied to the findings by the caller.
"""

from __future__ import annotations

from pathlib import Path

from dlscaffold._check.findings import Finding
from dlscaffold._generated.answers import RecordedAnswers
from dlscaffold._generated.entries import read_entry
from dlscaffold._generated.pristine import digest, pristine_digests
from dlscaffold.errors import DlscaffoldError


def check_drift(
    project: Path, src: str, recorded: RecordedAnswers, *, trust: bool
) -> list[Finding]:
    """Compare each file of the pristine render with the project's."""
    try:
        expected = pristine_digests(
            src=src,
            commit=recorded.commit,
            answers=recorded.data,
            answers_relpath=recorded.relpath,
            trust=trust,
            project=project,
        )
    except DlscaffoldError as error:
        return [
            Finding(
                "drift-unchecked",
                "drift",
                f"Cannot render template {recorded.commit}: {error}",
                "Make the template source reachable (or pass --trust if it needs it).",
                recorded.relpath,
            )
        ]
    findings = []
    for rel, wanted in sorted(expected.items()):
        entry = read_entry(project / rel)
        if entry is None:
            findings.append(
                Finding(
                    "drift-missing",
                    "drift",
                    f"{rel} from template {recorded.commit} is missing.",
                    f"Restore it (`git log -- {rel}`), or add 'drift-missing:{rel}' to "
                    "[tool.dlscaffold.check] ignore in pyproject.toml.",
                    rel,
                )
            )
        elif digest(entry) != wanted:
            findings.append(
                Finding(
                    "drift-modified",
                    "drift",
                    f"{rel} differs from template {recorded.commit}.",
                    f"Restore the template's version, or keep the edit: add 'drift-modified:{rel}' "
                    "to [tool.dlscaffold.check] ignore in pyproject.toml.",
                    rel,
                )
            )
    return findings
