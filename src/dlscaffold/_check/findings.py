"""Findings, the report that holds them, and which of them fail the run (`--fail-on`)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from dlscaffold._check.codes import EXIT_FINDINGS, EXIT_PASSED, EXIT_UPDATE_AVAILABLE
from dlscaffold.errors import UserError

# Every finding id a built-in check can report, by group; the "data" ids come from
# `dlscaffold._data.health`, which owns the dataset checks (links, manifests, protection).
GROUPS: dict[str, tuple[str, ...]] = {
    "version": ("behind-template", "template-unreachable"),
    "drift": ("drift-modified", "drift-missing", "drift-unchecked"),
    "markers": ("conflict-markers",),
    "answers": ("answers-missing", "answers-invalid", "answers-relative-src"),
    "configs": ("config-invalid", "config-absolute-path"),
    "data": (
        "data-absolute-link",
        "data-missing-link",
        "data-missing-target",
        "data-unregistered-link",
        "data-changed",
        "data-unprotected",
        "data-copied-in",
        "data-registry-invalid",
        "data-unreadable",
        "tracked-artifact",
    ),
    # Habits not yet practised rather than something broken: shown, failing only on request.
    "reminders": ("data-never-inspected", "data-never-verified"),
}
DEFAULT_FAIL_ON = frozenset(GROUPS) - {"reminders"}


def group_of(finding_id: str, fallback: str = "data") -> str:
    """Return the group of a finding id (`fallback` for ids this version does not list)."""
    return next((group for group, ids in GROUPS.items() if finding_id in ids), fallback)


@dataclass(frozen=True)
class Finding:
    """Something in the project that does not hold, and how to fix it."""

    id: str
    group: str
    message: str
    hint: str
    path: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """Return the finding as JSON-ready data."""
        return asdict(self)


@dataclass(frozen=True)
class CheckReport:
    """What `check_project` found, and which findings fail the run."""

    project: Path
    template_version: str | None
    latest_version: str | None
    findings: tuple[Finding, ...]
    fail_on: frozenset[str]

    def fails(self, finding: Finding) -> bool:
        """Tell whether `finding` fails the run under `--fail-on`."""
        return bool({"all", finding.id, finding.group} & self.fail_on)

    @property
    def failing(self) -> tuple[Finding, ...]:
        """The findings that fail the run."""
        return tuple(f for f in self.findings if self.fails(f))

    @property
    def exit_code(self) -> int:
        """0 when nothing fails; 3 when only `behind-template` does; 7 otherwise."""
        ids = {f.id for f in self.failing}
        if not ids:
            return EXIT_PASSED
        return EXIT_UPDATE_AVAILABLE if ids == {"behind-template"} else EXIT_FINDINGS

    def as_dict(self) -> dict[str, Any]:
        """Return the report as JSON-ready data (the `--json` output)."""
        return {
            "project": str(self.project),
            "template_version": self.template_version,
            "latest_version": self.latest_version,
            "passed": not self.failing,
            "exit_code": self.exit_code,
            "findings": [{**f.as_dict(), "fails": self.fails(f)} for f in self.findings],
        }


def parse_fail_on(values: Collection[str] | None) -> frozenset[str]:
    """Validate `--fail-on` values: default, all, none, group names and finding ids.

    `default` (used when none is given) is every group but the reminders.
    """
    chosen = {v.strip() for value in values or ["default"] for v in value.split(",") if v.strip()}
    if "default" in chosen:
        chosen = (chosen - {"default"}) | DEFAULT_FAIL_ON
    known = {"all", "none", *GROUPS, *(i for ids in GROUPS.values() for i in ids)}
    unknown = sorted(chosen - known)
    if unknown:
        raise UserError(
            f"Unknown --fail-on value {', '.join(map(repr, unknown))}: use default, all, none, "
            f"a group ({', '.join(GROUPS)}) or a finding id (see docs/check.md)."
        )
    return frozenset(chosen - {"none"})
