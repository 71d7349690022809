"""Files that drifted from a pristine render of the project's recorded template version.

What `cruft diff` shows, as findings: a template file the user changed or deleted. Paths in
the template's `_skip_if_exists` (meant to be edited) and `_exclude` (never rendered) are
not compared, nor are paths matching `--ignore` patterns.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Collection
from pathlib import Path

from dlscaffold._check.findings import Finding
from dlscaffold._generated.answers import RecordedAnswers
from dlscaffold._generated.entries import read_entry
from dlscaffold._generated.pristine import digest, pristine_digests
from dlscaffold.errors import DlscaffoldError


def check_drift(
    project: Path, src: str, recorded: RecordedAnswers, *, trust: bool, ignore: Collection[str]
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
        if any(fnmatch.fnmatch(rel, pattern) for pattern in ignore):
            continue
        entry = read_entry(project / rel)
        if entry is None:
            findings.append(
                Finding(
                    "drift-missing",
                    "drift",
                    f"{rel} from template {recorded.commit} is missing.",
                    "Restore it (`git log -- FILE`), or --ignore it if removed on purpose.",
                    rel,
                )
            )
        elif digest(entry) != wanted:
            findings.append(
                Finding(
                    "drift-modified",
                    "drift",
                    f"{rel} differs from template {recorded.commit}.",
                    "Keep the edit and --ignore it, or restore the template's version.",
                    rel,
                )
            )
    return findings
