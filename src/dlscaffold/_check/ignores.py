"""Ignore patterns: `--ignore` and the project's lasting `[tool.dlscaffold.check] ignore`.

A pattern is `ID[:GLOB]`: a finding id or group, optionally followed by a shell-style glob
matched against the finding's path (`*` also matches `/`). `drift-modified:src/pkg/build.py`
accepts one edited template file; `drift:src/*` every drift finding under `src/`;
`data-changed` every `data-changed` finding. On the command line, a pattern that does not
start with a known id or group is a path glob for the drift check (`--ignore 'src/*'` is
`--ignore 'drift:src/*'`), as before ignore patterns knew ids.

Lasting ignores live in the project's pyproject.toml, so CI, pre-commit and every clone
apply the same ones:

    [tool.dlscaffold.check]
    ignore = ["drift-modified:src/pkg/build.py", "data-changed:data/digits"]

An entry with an unknown id (a typo, or an id of a newer dlscaffold) is reported as the
warning `settings-unknown` and matches nothing.
"""

from __future__ import annotations

import fnmatch
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dlscaffold._check.findings import Finding, known_names

PYPROJECT = "pyproject.toml"
TABLE = "[tool.dlscaffold.check]"
_KNOWN_KEYS = ("ignore",)


@dataclass(frozen=True)
class IgnorePattern:
    """`name` (a finding id or group) and an optional glob for the finding's path."""

    name: str
    glob: str | None = None

    def matches(self, finding: Finding) -> bool:
        """Tell whether this pattern takes `finding` out of the report."""
        if self.name not in (finding.id, finding.group):
            return False
        if self.glob is None:
            return True
        return finding.path is not None and fnmatch.fnmatchcase(finding.path, self.glob)


def parse_pattern(text: str, *, bare_glob_is_drift: bool) -> IgnorePattern | None:
    """Parse `ID[:GLOB]`; None for an unknown id (unless a bare glob is taken as drift)."""
    name, sep, glob = text.strip().partition(":")
    if name in known_names():
        return IgnorePattern(name, glob if sep and glob else None)
    return IgnorePattern("drift", text.strip()) if bare_glob_is_drift else None


def command_line_patterns(values: Iterable[str]) -> list[IgnorePattern]:
    """The `--ignore` values: `ID[:GLOB]`, or a bare path glob for the drift check."""
    found = (parse_pattern(v, bare_glob_is_drift=True) for v in values if v.strip())
    return [p for p in found if p is not None]


def project_patterns(project: Path) -> tuple[list[IgnorePattern], list[Finding]]:
    """Read `[tool.dlscaffold.check] ignore` from the project's pyproject.toml.

    Returns the patterns and findings about the table itself: `config-invalid` when
    pyproject.toml does not parse, `settings-invalid` when the table has the wrong shape,
    `settings-unknown` for an unknown key or id (those entries are skipped).
    """
    path = project / PYPROJECT
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return [], []
    except (OSError, UnicodeDecodeError) as error:
        return [], [_finding("config-invalid", f"{PYPROJECT} cannot be read: {error}")]
    if "dlscaffold" not in text:  # the common case: nothing to parse for
        return [], []
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        return [], [_finding("config-invalid", f"{PYPROJECT} does not parse: {error}")]
    table: Any = document
    for key in ("tool", "dlscaffold", "check"):
        table = table.get(key, {}) if isinstance(table, dict) else None
    if not isinstance(table, dict):
        return [], [_finding("settings-invalid", f"{TABLE} in {PYPROJECT} is not a table.")]
    findings = [
        _finding("settings-unknown", f"{TABLE} has an unknown key '{key}'; it is not used.")
        for key in table
        if key not in _KNOWN_KEYS
    ]
    return _ignore_entries(table.get("ignore", []), findings)


def _ignore_entries(
    entries: Any, findings: list[Finding]
) -> tuple[list[IgnorePattern], list[Finding]]:
    if not isinstance(entries, list) or not all(isinstance(e, str) for e in entries):
        message = f"{TABLE} ignore in {PYPROJECT} must be a list of strings."
        return [], [*findings, _finding("settings-invalid", message)]
    patterns = []
    for entry in entries:
        pattern = parse_pattern(entry, bare_glob_is_drift=False)
        if pattern is None:
            name = entry.partition(":")[0]
            findings.append(
                _finding(
                    "settings-unknown",
                    f"{TABLE} ignore entry '{entry}': '{name}' is no finding id or group; "
                    "it ignores nothing.",
                )
            )
        else:
            patterns.append(pattern)
    return patterns, findings


def split_ignored(
    findings: Iterable[Finding], patterns: list[IgnorePattern]
) -> tuple[list[Finding], list[Finding]]:
    """Split `findings` into (kept, ignored) by `patterns`."""
    kept: list[Finding] = []
    ignored: list[Finding] = []
    for finding in findings:
        (ignored if any(p.matches(finding) for p in patterns) else kept).append(finding)
    return kept, ignored


def _finding(finding_id: str, message: str) -> Finding:
    group = "configs" if finding_id == "config-invalid" else "settings"
    hint = (
        "Fix the file (`python -c \"import tomllib; tomllib.load(open('pyproject.toml', 'rb'))\"` "
        "shows the position)."
        if finding_id == "config-invalid"
        else "Entries are ID[:GLOB] with an id or group from `dlscaffold check --help`."
    )
    return Finding(finding_id, group, message, hint, PYPROJECT)
