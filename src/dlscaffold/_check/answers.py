"""The answers file is present, valid YAML, and records a usable template source."""

from __future__ import annotations

from pathlib import Path

from dlscaffold._check.findings import Finding
from dlscaffold._generated.answers import AnswersError, RecordedAnswers, read_answers
from dlscaffold._generated.source import is_remote


def check_answers(project: Path, relpath: str) -> tuple[RecordedAnswers | None, list[Finding]]:
    """Read the answers file; return it (None if unusable) and what is wrong with it."""
    if not (project / relpath).is_file():
        return None, [
            Finding(
                "answers-missing",
                "answers",
                f"{relpath} is missing.",
                "Restore it from git history (git log -- " + relpath + ").",
                relpath,
            )
        ]
    try:
        recorded = read_answers(project, relpath)
    except AnswersError as error:
        hint = "Fix the file by hand or restore it from git history; never edit it otherwise."
        return None, [Finding("answers-invalid", "answers", str(error), hint, relpath)]
    src = recorded.src
    if not (is_remote(src) or src.startswith("~") or Path(src).is_absolute()):
        return recorded, [
            Finding(
                "answers-relative-src",
                "answers",
                f"_src_path '{src}' is relative: copier resolves it against the current folder.",
                "Run `dlscaffold update` (it records an absolute path) or edit _src_path.",
                relpath,
            )
        ]
    return recorded, []
