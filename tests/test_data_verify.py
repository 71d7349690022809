"""`dlscaffold data verify`: fast and full modes, per-file reports, accept, fresh clones."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from dlscaffold._data.link import link_dataset
from dlscaffold._data.verify import EXIT_DATA_CHANGED, verify_datasets
from tests.helpers import git, tree_digest
from tests.test_data_helpers import Workspace, cli, make_writable


def registry_entry(ws: Workspace, name: str = "ds") -> dict[str, object]:
    return yaml.safe_load((ws.project / "data" / "datasets.yaml").read_text())["datasets"][name]


def activity(ws: Workspace, name: str = "ds") -> dict[str, str]:
    path = ws.project / "data" / ".manifests" / "_activity.json"
    if not path.exists():
        return {}
    return json.loads(path.read_text())["datasets"].get(name, {})


def edit_dataset(source: Path) -> None:
    """Change one file, add one and delete one (after giving write access back)."""
    make_writable(source)
    (source / "cat" / "0.bin").write_bytes(b"a longer, different content")
    (source / "dog" / "9.bin").write_bytes(b"new")
    (source / "labels.csv").unlink()


def replace_keeping_size_and_mtime(path: Path) -> None:
    """Change content only: what a fast (size and mtime) check cannot see."""
    make_writable(path.parent)
    st = path.stat()
    data = path.read_bytes()
    path.write_bytes(bytes(b ^ 0xFF for b in data))
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))


def test_verify_of_an_unchanged_dataset_passes_and_records_the_time(ws: Workspace) -> None:
    link_dataset(ws.project, "ds", ws.source())
    source_before = tree_digest(ws.source())

    code, out, err = cli("data", "verify", cwd=ws.project)

    assert code == 0, err
    assert out == ""
    assert " ".join(err.split()) == (
        "ds: unchanged, 7 files (fast mode). Never inspected: ds ('python -m demo inspect-data "
        "data.name=ds data.root=data/ds'); look at samples and class balance before training."
    )
    assert "verified_at" in activity(ws)
    assert "verified_at" not in registry_entry(ws)
    assert tree_digest(ws.source()) == source_before


@pytest.mark.parametrize("mode", [[], ["--full"]])
def test_verify_reports_changed_added_and_removed_files(ws: Workspace, mode: list[str]) -> None:
    link_dataset(ws.project, "ds", ws.source())
    edit_dataset(ws.source())
    source_before = tree_digest(ws.source())

    code, out, err = cli("data", "verify", "ds", *mode, cwd=ws.project)

    assert code == EXIT_DATA_CHANGED
    assert out.splitlines() == ["+ ds/dog/9.bin", "- ds/labels.csv", "~ ds/cat/0.bin"]
    name = "full" if mode else "fast"
    assert " ".join(err.split()) == (
        f"Warning: ds differs from its record ({name} mode): 1 added, 1 removed, 1 changed"
    )
    assert "verified_at" not in activity(ws)
    assert tree_digest(ws.source()) == source_before


def test_full_mode_sees_content_changes_that_fast_mode_cannot(ws: Workspace) -> None:
    code, _, err = cli("data", "link", "ds", "../raw/ds", "--hash", cwd=ws.project)
    assert code == 0, err
    replace_keeping_size_and_mtime(ws.source() / "dog" / "2.bin")

    assert cli("data", "verify", cwd=ws.project)[0] == 0
    code, out, _ = cli("data", "verify", "--full", cwd=ws.project)

    assert code == EXIT_DATA_CHANGED
    assert out.splitlines() == ["~ ds/dog/2.bin"]


def test_first_full_run_records_hashes_that_later_runs_compare(ws: Workspace) -> None:
    link_dataset(ws.project, "ds", ws.source())

    first = verify_datasets(ws.project, full=True)
    replace_keeping_size_and_mtime(ws.source() / "cat" / "1.bin")
    second = verify_datasets(ws.project, full=True)

    assert first.ok and first.datasets[0].hashes_recorded
    assert not second.ok and second.datasets[0].changed == ("cat/1.bin",)


def test_full_mode_ignores_a_touch_and_takes_the_new_mtime(ws: Workspace) -> None:
    link_dataset(ws.project, "ds", ws.source(), record_hashes=True)
    os.utime(ws.source() / "labels.csv", ns=(0, 10**18))

    assert not verify_datasets(ws.project).ok
    assert verify_datasets(ws.project, full=True).ok
    assert verify_datasets(ws.project).ok


def test_accept_records_the_current_state(ws: Workspace) -> None:
    link_dataset(ws.project, "ds", ws.source())
    edit_dataset(ws.source())

    code, out, err = cli("data", "verify", "--accept", cwd=ws.project)

    assert code == 0, err
    assert out.splitlines() == ["+ ds/dog/9.bin", "- ds/labels.csv", "~ ds/cat/0.bin"]
    assert " ".join(err.split()).startswith(
        "ds: recorded the current state as the reference (1 added, 1 removed, 1 changed). "
    )  # a success line, not a warning
    assert registry_entry(ws)["manifest"]["files"] == 7
    assert cli("data", "verify", cwd=ws.project)[0] == 0


def test_without_records_on_this_machine_the_summary_is_compared(ws: Workspace) -> None:
    link_dataset(ws.project, "ds", ws.source())
    shutil.rmtree(ws.project / "data" / ".manifests")
    (ws.source() / "cat" / "0.bin").chmod(0o644)
    (ws.source() / "cat" / "0.bin").write_bytes(b"grown by a few bytes")

    code, out, err = cli("data", "verify", cwd=ws.project)

    assert code == EXIT_DATA_CHANGED
    assert out == ""
    assert "7 files (71 bytes) recorded, 7 (86 bytes) now; this machine has no per-file" in (
        " ".join(err.split())
    )


def test_records_of_another_state_are_not_used(ws: Workspace) -> None:
    link_dataset(ws.project, "ds", ws.source())
    records = (ws.project / "data" / ".manifests" / "ds.json").read_text()
    edit_dataset(ws.source())
    verify_datasets(ws.project, accept=True)
    (ws.project / "data" / ".manifests" / "ds.json").write_text(records)  # stale

    report = verify_datasets(ws.project)

    assert report.ok and not report.datasets[0].per_file


def test_a_missing_target_fails_verify(ws: Workspace) -> None:
    link_dataset(ws.project, "ds", ws.source(), protect=False)
    ws.source().rename(ws.root / "raw" / "moved")

    code, _, err = cli("data", "verify", cwd=ws.project)

    assert code == EXIT_DATA_CHANGED
    assert " ".join(err.split()) == "Warning: ds: data/ds links to a missing folder."


def test_verify_checks_every_dataset_and_fails_if_one_differs(ws: Workspace) -> None:
    link_dataset(ws.project, "ds", ws.source())
    shutil.copytree(ws.source(), ws.root / "raw" / "two")
    link_dataset(ws.project, "two", ws.root / "raw" / "two")
    make_writable(ws.root / "raw" / "two")
    (ws.root / "raw" / "two" / "extra.txt").write_text("x")

    report = verify_datasets(ws.project)

    assert [(c.name, c.status) for c in report.datasets] == [("ds", "ok"), ("two", "changed")]
    assert "verified_at" in activity(ws, "ds")
    assert "verified_at" not in activity(ws, "two")


def test_verify_of_an_unknown_dataset_is_a_user_error(ws: Workspace) -> None:
    code, _, err = cli("data", "verify", "nope", cwd=ws.project)

    assert code == 1
    assert err.startswith("Error: No dataset 'nope' in data/datasets.yaml;")


def test_verify_without_datasets_says_so(ws: Workspace) -> None:
    code, _, err = cli("data", "verify", cwd=ws.project)

    assert code == 0
    assert "No datasets linked; nothing to verify." in err


def test_an_invalid_registry_is_one_clear_error(ws: Workspace) -> None:
    (ws.project / "data").mkdir(exist_ok=True)
    (ws.project / "data" / "datasets.yaml").write_text("datasets: [unclosed\n")

    code, _, err = cli("data", "verify", cwd=ws.project)

    assert code == 1
    assert err.startswith("Error: data/datasets.yaml is not valid YAML (line 2); fix it or")


def test_long_paths_are_one_line_each_for_scripts(ws: Workspace) -> None:
    link_dataset(ws.project, "ds", ws.source(), protect=False)
    deep = ws.source() / ("d" * 90) / ("e" * 90)
    deep.mkdir(parents=True)
    (deep / ("f" * 90 + ".bin")).write_bytes(b"x")

    code, out, _ = cli("data", "verify", cwd=ws.project)

    assert code == EXIT_DATA_CHANGED
    assert out == f"+ ds/{'d' * 90}/{'e' * 90}/{'f' * 90}.bin\n"


def test_a_registry_name_that_would_leave_data_is_refused(ws: Workspace) -> None:
    link_dataset(ws.project, "ds", ws.source())
    registry = ws.project / "data" / "datasets.yaml"
    registry.write_text(registry.read_text().replace("  ds:", "  ../../escape:"))
    before = tree_digest(ws.root)

    code, _, err = cli("data", "verify", cwd=ws.project)

    assert code == 1
    assert err.startswith(
        "Error: data/datasets.yaml has a dataset name that is not a plain name: '../../escape';"
    )
    assert tree_digest(ws.root) == before


def test_verify_keeps_keys_it_does_not_know_and_reports_progress(ws: Workspace) -> None:
    link_dataset(ws.project, "ds", ws.source())
    registry = ws.project / "data" / "datasets.yaml"
    content = yaml.safe_load(registry.read_text())
    content["datasets"]["ds"]["inspected_fingerprint"] = "sha256:abc"
    content["notes"] = "kept"
    registry.write_text(yaml.safe_dump(content, sort_keys=False))
    started: list[tuple[str, int]] = []
    advanced: list[int] = []

    def progress(description: str, total: int) -> Callable[[int], None]:
        started.append((description, total))
        return advanced.append

    assert verify_datasets(ws.project, full=True, progress=progress).ok

    assert started == [("Hashing ds", 71)] and sum(advanced) == 71
    content = yaml.safe_load(registry.read_text())
    assert content["notes"] == "kept"
    assert content["datasets"]["ds"]["inspected_fingerprint"] == "sha256:abc"


def test_quiet_verify_prints_nothing_when_all_is_well(ws: Workspace) -> None:
    link_dataset(ws.project, "ds", ws.source())

    assert cli("-q", "data", "verify", cwd=ws.project) == (0, "", "")


def test_accept_in_fast_mode_keeps_the_hashes_of_untouched_files(ws: Workspace) -> None:
    link_dataset(ws.project, "ds", ws.source(), record_hashes=True)
    edit_dataset(ws.source())
    verify_datasets(ws.project, accept=True)
    replace_keeping_size_and_mtime(ws.source() / "dog" / "1.bin")

    report = verify_datasets(ws.project, full=True)

    assert report.datasets[0].changed == ("dog/1.bin",)


def test_verify_leaves_a_committed_project_clean(ws: Workspace) -> None:
    link_dataset(ws.project, "ds", ws.source())
    git("add", "-A", cwd=ws.project)
    git("commit", "-qm", "Link ds", cwd=ws.project)
    registry_before = (ws.project / "data" / "datasets.yaml").read_bytes()

    assert cli("data", "verify", cwd=ws.project)[0] == 0
    assert cli("data", "verify", "--full", cwd=ws.project)[0] == 0

    assert (ws.project / "data" / "datasets.yaml").read_bytes() == registry_before
    assert git("status", "--porcelain", "--untracked-files=all", cwd=ws.project) == ""
    assert activity(ws)["verified_at"]
    code, out, _ = cli("data", "list", "--json", cwd=ws.project)
    assert (
        code == 0
        and json.loads(out)["result"]["datasets"][0]["verified_at"] == activity(ws)["verified_at"]
    )


def test_verify_on_a_fresh_clone_writes_nothing_tracked(ws: Workspace, tmp_path: Path) -> None:
    link_dataset(ws.project, "ds", ws.source())
    git("add", "-A", cwd=ws.project)
    git("commit", "-qm", "Link ds", cwd=ws.project)
    clone = tmp_path / "ws" / "clone"
    git("clone", "-q", str(ws.project), str(clone), cwd=tmp_path)

    assert cli("data", "verify", cwd=clone)[0] == 0

    assert git("status", "--porcelain", "--untracked-files=all", cwd=clone) == ""


def test_an_old_registry_keeps_its_activity_keys_and_gets_no_new_ones(ws: Workspace) -> None:
    link_dataset(ws.project, "ds", ws.source())
    registry = ws.project / "data" / "datasets.yaml"
    content = yaml.safe_load(registry.read_text())
    content["datasets"]["ds"]["verified_at"] = "2026-01-01T00:00:00+00:00"
    registry.write_text(yaml.safe_dump(content, sort_keys=False))
    code, out, _ = cli("data", "list", "--json", cwd=ws.project)
    assert json.loads(out)["result"]["datasets"][0]["verified_at"] == "2026-01-01T00:00:00+00:00"
    before = registry.read_bytes()

    assert verify_datasets(ws.project).ok

    assert registry.read_bytes() == before
    code, out, _ = cli("data", "list", "--json", cwd=ws.project)
    assert (
        json.loads(out)["result"]["datasets"][0]["verified_at"]
        == activity(ws)["verified_at"]
        != "2026-01-01T00:00:00+00:00"
    )


def add_links(source: Path, outside: Path) -> None:
    """Give a dataset a link to one of its files and a link out of it."""
    outside.mkdir(parents=True, exist_ok=True)
    (outside / "extra.bin").write_bytes(b"not in the manifest")
    (source / "cat" / "alias.bin").symlink_to("0.bin")
    (source / "dog" / "borrowed.bin").symlink_to(outside / "extra.bin")


@pytest.mark.parametrize("mode", [[], ["--full"]])
def test_links_inside_a_dataset_are_verified_by_their_targets(
    ws: Workspace, mode: list[str]
) -> None:
    add_links(ws.source(), ws.root / "raw" / "elsewhere")
    link_dataset(ws.project, "ds", ws.source(), record_hashes=True)
    assert registry_entry(ws)["manifest"]["files"] == 8  # 7 files and the link to cat/0.bin

    code, out, err = cli("data", "verify", *mode, cwd=ws.project)

    assert code == 0, err
    assert out == ""
    assert (
        "Warning: ds: 1 link leads out of the dataset and is not part of it: dog/borrowed.bin."
        in " ".join(err.split())
    )

    make_writable(ws.source())
    (ws.source() / "cat" / "alias.bin").unlink()
    (ws.source() / "cat" / "alias.bin").symlink_to("1.bin")  # retargeted
    (ws.source() / "new-link.bin").symlink_to("labels.csv")  # new
    (ws.source() / "dog" / "borrowed.bin").unlink()
    (ws.source() / "dog" / "borrowed.bin").write_bytes(b"same place, now a file")

    code, out, err = cli("data", "verify", *mode, cwd=ws.project)

    assert code == EXIT_DATA_CHANGED, err
    assert out.splitlines() == ["+ ds/new-link.bin", "~ ds/cat/alias.bin", "~ ds/dog/borrowed.bin"]


def test_a_link_out_of_the_dataset_is_never_followed_by_hashing(ws: Workspace) -> None:
    add_links(ws.source(), ws.root / "raw" / "elsewhere")
    link_dataset(ws.project, "ds", ws.source(), record_hashes=True)
    (ws.root / "raw" / "elsewhere" / "extra.bin").write_bytes(b"changed outside the dataset")

    code, out, err = cli("data", "verify", "--full", cwd=ws.project)

    assert code == 0, err
    assert out == ""
