"""`dataset_problems`: what `dlscaffold check` reports about a project's data."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import yaml

from dlscaffold._data.health import dataset_problems
from dlscaffold._data.link import link_dataset
from dlscaffold._data.verify import verify_datasets
from tests.helpers import tree_digest
from tests.test_data_helpers import Workspace, make_writable


def ids(project: Path) -> list[tuple[str, str]]:
    return [(problem.id, problem.path.as_posix()) for problem in dataset_problems(project)]


def mark_inspected(project: Path, name: str) -> None:
    """Record an inspection as the generated project's inspect-data does: per machine."""
    path = project / "data" / ".manifests" / "_activity.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    activity = json.loads(path.read_text()) if path.exists() else {"version": 1, "datasets": {}}
    activity["datasets"].setdefault(name, {})["inspected_at"] = "2026-11-28T08:00:00+00:00"
    path.write_text(json.dumps(activity))


def test_a_linked_verified_inspected_dataset_has_no_problem(ws: Workspace) -> None:
    link_dataset(ws.project, "ds", ws.source())
    verify_datasets(ws.project)
    mark_inspected(ws.project, "ds")

    assert dataset_problems(ws.project) == []


def test_a_project_without_data_has_no_problem(tmp_path: Path) -> None:
    assert dataset_problems(tmp_path) == []


def test_a_fresh_link_was_never_verified_nor_inspected(ws: Workspace) -> None:
    link_dataset(ws.project, "ds", ws.source())

    [verified, inspected] = dataset_problems(ws.project)

    assert (verified.id, inspected.id) == ("data-never-verified", "data-never-inspected")
    assert verified.hint == "Run 'dlscaffold data verify ds'."
    assert inspected.hint == (
        "Run 'python -m demo inspect-data data.name=ds data.root=data/ds' before training."
    )
    assert verified.path == Path("data/ds")


def test_changed_and_unprotected_data_are_flagged(ws: Workspace) -> None:
    link_dataset(ws.project, "ds", ws.source())
    verify_datasets(ws.project)
    mark_inspected(ws.project, "ds")
    make_writable(ws.source())
    (ws.source() / "new.txt").write_text("surprise")

    assert ids(ws.project) == [("data-changed", "data/ds"), ("data-unprotected", "data/ds")]


def test_broken_absolute_unregistered_and_copied_data_are_flagged(ws: Workspace) -> None:
    link_dataset(ws.project, "ds", ws.source(), protect=False)
    link_dataset(ws.project, "gone", ws.source("gone").parent, protect=False)
    (ws.project / "data" / "gone").unlink()
    (ws.project / "data" / "gone").symlink_to("../../raw/gone")
    link_dataset(ws.project, "lost", ws.source(), protect=False)
    (ws.project / "data" / "lost").unlink()
    (ws.project / "data" / "abs").symlink_to(ws.source())
    (ws.project / "data" / "copied").mkdir()
    verify_datasets(ws.project, "ds")
    mark_inspected(ws.project, "ds")

    assert ids(ws.project) == [
        ("data-missing-target", "data/gone"),
        ("data-missing-link", "data/lost"),
        ("data-absolute-link", "data/abs"),
        ("data-unregistered-link", "data/abs"),
        ("data-copied-in", "data/copied"),
    ]


def test_an_invalid_registry_is_one_problem(ws: Workspace) -> None:
    (ws.project / "data").mkdir(exist_ok=True)
    (ws.project / "data" / "datasets.yaml").write_text("version: 9\n")

    [problem] = dataset_problems(ws.project)

    assert problem.id == "data-registry-invalid"
    assert "has version 9" in problem.message


def test_health_is_read_only_on_the_digits_project(tmp_path: Path) -> None:
    from dlscaffold import create_project

    project = create_project(tmp_path / "demo", defaults=True).path
    digits = (project / "data" / "digits").resolve()
    before = tree_digest(project), tree_digest(digits)

    # Its speed is a benchmark target (benchmarks/bench_check.py), not a timed test.
    problems = dataset_problems(project)

    assert [p.id for p in problems] == ["data-never-verified", "data-never-inspected"]
    assert (tree_digest(project), tree_digest(digits)) == before


def test_an_unreadable_dataset_is_a_problem_not_a_crash(
    ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    link_dataset(ws.project, "ds", ws.source())
    real_scandir = os.scandir

    def denied(path: str) -> object:
        if path.endswith("cat"):
            raise PermissionError(13, "Permission denied", path)
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", denied)

    [problem] = dataset_problems(ws.project)

    assert problem.id == "data-unreadable"
    assert problem.message.startswith("Cannot list the folder '")
    assert problem.message.endswith("cat': Permission denied.")


def test_the_inspect_hint_of_the_configured_dataset_needs_no_override(ws: Workspace) -> None:
    link_dataset(ws.project, "digits", ws.source())  # the name configs/default.yaml uses

    [_, inspected] = dataset_problems(ws.project)

    assert inspected.hint == "Run 'python -m demo inspect-data' before training."


def test_activity_in_an_old_registry_still_counts(ws: Workspace) -> None:
    link_dataset(ws.project, "ds", ws.source())
    path = ws.project / "data" / "datasets.yaml"
    registry = yaml.safe_load(path.read_text())
    registry["datasets"]["ds"]["verified_at"] = "2026-11-28T08:00:00+00:00"
    registry["datasets"]["ds"]["inspected_at"] = "2026-11-28T08:00:00+00:00"
    path.write_text(yaml.safe_dump(registry, sort_keys=False))

    assert dataset_problems(ws.project) == []
