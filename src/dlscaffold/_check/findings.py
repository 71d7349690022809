"""Findings, the report that holds them, and which of them fail the run (`--fail-on`)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import asdict, dataclass, field
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
        "tracked-artifact",
        "data-absolute-link",
        "data-copied-in",
        "data-registry-invalid",
        "data-missing-link",
        "data-missing-target",
        "data-unregistered-link",
        "data-changed",
        "data-unprotected",
        "data-unreadable",
    ),
    # Habits not yet practised rather than something broken: reported only when asked for.
    "reminders": ("data-never-inspected", "data-never-verified"),
    # The project's own `[tool.dlscaffold.check]` table in pyproject.toml.
    "settings": ("settings-invalid", "settings-unknown"),
}

# What CI should stop: the project is behind its template or holds something broken that
# git carries to every clone. Drift (edits to template files) fails only with `--strict`;
# the state of this machine's datasets (a link whose data is elsewhere, as on every CI
# machine; data changed or writable) and unknown ignore entries are shown, not failed.
DEFAULT_FAIL_ON = frozenset(
    {
        *GROUPS["version"],
        *GROUPS["markers"],
        *GROUPS["answers"],
        *GROUPS["configs"],
        "tracked-artifact",
        "data-absolute-link",
        "data-copied-in",
        "data-registry-invalid",
        "settings-invalid",
    }
)
STRICT_FAIL_ON = DEFAULT_FAIL_ON | set(GROUPS["drift"])


def group_of(finding_id: str, fallback: str = "data") -> str:
    """Return the group of a finding id (`fallback` for ids this version does not list)."""
    return next((group for group, ids in GROUPS.items() if finding_id in ids), fallback)


def known_names() -> frozenset[str]:
    """Every group name and finding id."""
    return frozenset({*GROUPS, *(i for ids in GROUPS.values() for i in ids)})


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
    """What `check_project` found, and which findings fail the run.

    `ignored` holds the findings that an ignore pattern (`--ignore` or the project's
    `[tool.dlscaffold.check] ignore`) took out; they never fail the run.
    """

    project: Path
    template_version: str | None
    latest_version: str | None
    findings: tuple[Finding, ...]
    fail_on: frozenset[str]
    ignored: tuple[Finding, ...] = field(default=())

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
            "ignored": [f.as_dict() for f in self.ignored],
        }


def parse_fail_on(values: Collection[str] | None, *, strict: bool = False) -> frozenset[str]:
    """Validate `--fail-on` values: default, strict, all, none, group names and finding ids.

    `default` (used when none is given) is what CI should stop (`DEFAULT_FAIL_ON`); `strict`
    (or `strict=True`, the `--strict` flag) adds drift.
    """
    chosen = {v.strip() for value in values or ["default"] for v in value.split(",") if v.strip()}
    if strict:
        chosen.add("strict")
    if "strict" in chosen:
        chosen = (chosen - {"strict", "default"}) | STRICT_FAIL_ON
    if "default" in chosen:
        chosen = (chosen - {"default"}) | DEFAULT_FAIL_ON
    unknown = sorted(chosen - {"all", "none", *known_names()})
    if unknown:
        raise UserError(
            f"Unknown --fail-on value {', '.join(map(repr, unknown))}: use default, strict, all, "
            f"none, a group ({', '.join(GROUPS)}) or a finding id (see `dlscaffold check --help`)."
        )
    return frozenset(chosen - {"none"})
