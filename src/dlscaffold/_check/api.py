"""`check_project`: run every check on a generated project and collect the findings."""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path

from dlscaffold._check.answers import check_answers
from dlscaffold._check.configs import check_configs
from dlscaffold._check.data import check_datasets, check_tracked_artifacts
from dlscaffold._check.drift import check_drift
from dlscaffold._check.findings import CheckReport, Finding, parse_fail_on
from dlscaffold._check.ignores import command_line_patterns, project_patterns, split_ignored
from dlscaffold._check.markers import check_markers
from dlscaffold._check.version import check_version
from dlscaffold._generated.answers import ANSWERS_FILE
from dlscaffold._generated.source import resolve_source
from dlscaffold._git import is_repo_root
from dlscaffold._project import project_root
from dlscaffold._templates import is_default_template
from dlscaffold.errors import UserError

# Groups reported only when `--fail-on` names them (or `all`): reminders of habits not yet
# practised would otherwise greet every fresh project with warnings.
OPT_IN_GROUPS = frozenset({"reminders"})


def check_project(
    path: str | Path = ".",
    *,
    fail_on: Collection[str] | None = None,
    strict: bool = False,
    ignore: Collection[str] = (),
    drift: bool = True,
    trust: bool = False,
    answers_file: str = ANSWERS_FILE,
) -> CheckReport:
    """Check the project at `path`; never raises for a finding, only when it cannot run.

    Args:
        path: The project's root folder (a git work tree).
        fail_on: Finding ids or groups that fail the run; `default` when None.
        strict: Also fail on drift (edited or missing template files).
        ignore: `ID[:GLOB]` patterns (or bare path globs for drift) taken out of the report,
            on top of the project's `[tool.dlscaffold.check] ignore`.
        drift: Compare files with a pristine render of the recorded template version.
        trust: Allow a non-default template that needs it (Jinja extensions) to render.
        answers_file: The answers file, relative to the project.
    """
    chosen = parse_fail_on(fail_on, strict=strict)
    project = project_root(path, answers_file=answers_file)
    if not is_repo_root(project):
        raise UserError(f"'{path}' is not the root of a git repository.")
    patterns, settings_findings = project_patterns(project)
    patterns += command_line_patterns(ignore)
    recorded, findings = check_answers(project, answers_file)
    latest = None
    if recorded is not None:
        src = resolve_source(recorded.src, project)
        latest, behind = check_version(src, recorded.commit, answers_file)
        findings += behind
        if drift:
            trusted = trust or is_default_template(recorded.src)
            findings += check_drift(project, src, recorded, trust=trusted)
    findings += _local_checks(project) + settings_findings
    asked = [f for f in findings if f.group not in OPT_IN_GROUPS or {"all", f.id, f.group} & chosen]
    kept, ignored = split_ignored(asked, patterns)
    version = recorded.commit if recorded else None
    return CheckReport(project, version, latest, tuple(kept), chosen, tuple(ignored))


def _local_checks(project: Path) -> list[Finding]:
    return [
        *check_markers(project),
        *check_configs(project),
        *check_tracked_artifacts(project),
        *check_datasets(project),
    ]
