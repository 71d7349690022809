"""Unit tests of manifests, hashing, per-file records and dataset names."""

from __future__ import annotations

import hashlib
import importlib.util
import os
import sys
from pathlib import Path
from types import ModuleType

import pytest

import dlscaffold._data.hashing as hashing
from dlscaffold._data.hashing import hash_files
from dlscaffold._data.manifest import (
    FileEntry,
    Manifest,
    compute_manifest,
    links_outside,
    scan_files,
)
from dlscaffold._data.names import check_name
from dlscaffold._data.records import load_records, records_path, save_records
from dlscaffold.errors import UserError


def write(root: Path, files: dict[str, bytes]) -> Path:
    for relpath, content in files.items():
        (root / relpath).parent.mkdir(parents=True, exist_ok=True)
        (root / relpath).write_bytes(content)
    return root


TEMPLATE_MANIFEST_PY = (
    Path(__file__).resolve().parents[1]
    / "templates/default/project/src/{{package_name}}/utils/data_manifest.py"
)


def template_module() -> ModuleType:
    """The generated project's own (stdlib-only) `utils/data_manifest.py`."""
    if "template_data_manifest" not in sys.modules:
        spec = importlib.util.spec_from_file_location(
            "template_data_manifest", TEMPLATE_MANIFEST_PY
        )
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module  # dataclasses look their module up
        spec.loader.exec_module(module)
    return sys.modules["template_data_manifest"]


def template_manifest(root: Path) -> Manifest:
    """The manifest the generated project computes."""
    theirs = template_module().compute_manifest(root)
    return Manifest(theirs.files, theirs.bytes, theirs.fingerprint)


def test_fingerprint_is_the_documented_contract(tmp_path: Path) -> None:
    root = write(tmp_path / "ds", {"b/x.bin": b"12345", "a.txt": b"abc", ".hidden": b"no"})
    write(root, {".cache/skip.bin": b"skipped"})

    expected = hashlib.sha256(b"a.txt\t3\nb/x.bin\t5\n").hexdigest()

    assert compute_manifest(root) == Manifest(2, 8, f"sha256:{expected}")


def test_fingerprint_matches_the_generated_projects_algorithm(tmp_path: Path) -> None:
    # '-' and '.' sort before '/', so a global sort differs from a folder-by-folder walk.
    root = write(
        tmp_path / "ds",
        {"a-b": b"1", "a/b": b"22", "a.b/c": b"333", "a/b-c/d": b"4", "Z": b"", "é/ü": b"5"},
    )
    (root / "link-to-file").symlink_to(root / "a-b")
    (root / "link-to-dir").symlink_to(root / "a")
    (root / "a" / "loop").symlink_to(root)

    assert compute_manifest(root) == template_manifest(root)
    assert compute_manifest(root).files == 7  # 6 files and the link to one of them
    link = tmp_path / "linked"
    link.symlink_to(root)
    assert compute_manifest(link) == compute_manifest(root)  # the root link is followed


def test_scan_records_sizes_and_mtimes(tmp_path: Path) -> None:
    root = write(tmp_path / "ds", {"x": b"abc"})
    os.utime(root / "x", ns=(1, 123456789))

    assert scan_files(root) == [FileEntry("x", 3, 123456789)]


def test_hash_files_streams_batches_and_keeps_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(hashing, "CHUNK_BYTES", 7)
    monkeypatch.setattr(hashing, "BATCH_FILES", 3)
    files = {f"d{i % 3}/f{i:02d}": os.urandom(i * 5) for i in range(20)}
    root = write(tmp_path / "ds", files)
    entries = scan_files(root)
    advanced: list[int] = []

    hashes = hash_files(root, entries, workers=4, advance=advanced.append)

    assert hashes == [hashlib.sha256(files[e.relpath]).hexdigest() for e in entries]
    assert sum(advanced) == sum(len(c) for c in files.values())
    assert len(advanced) == 7


def test_hash_files_marks_a_vanished_file(tmp_path: Path) -> None:
    root = write(tmp_path / "ds", {"a": b"1", "b": b"2"})
    entries = scan_files(root)
    (root / "a").unlink()

    assert hash_files(root, entries)[0] == ""


def test_records_round_trip_and_bad_files_are_ignored(tmp_path: Path) -> None:
    entries = [FileEntry("a", 1, 10), FileEntry("b/c", 2, 20)]
    save_records(
        tmp_path, "ds", fingerprint="sha256:x", recorded_at="now", entries=entries,
        hashes=["h1", "h2"],
    )  # fmt: skip

    records = load_records(tmp_path, "ds")

    assert records is not None and records.hashed and records.fingerprint == "sha256:x"
    assert records.files["b/c"].size == 2 and records.files["b/c"].sha256 == "h2"
    assert (records_path(tmp_path, "ds").parent / ".gitignore").read_text().endswith("*\n")
    records_path(tmp_path, "ds").write_text("{not json")
    assert load_records(tmp_path, "ds") is None
    assert load_records(tmp_path, "other") is None


@pytest.mark.parametrize("name", ["digits", "mnist-2024", "coco_val.v2", "A1"])
def test_plain_names_are_accepted(name: str) -> None:
    assert check_name(name) == name


@pytest.mark.parametrize(
    "name", ["", ".", "..", ".hidden", "a/b", "../x", "a\\b", "-x", "a b", "README.md", "x" * 101]
)
def test_other_names_are_refused(name: str) -> None:
    with pytest.raises(UserError, match="is not a plain name"):
        check_name(name)


def test_a_file_that_grew_since_the_scan_is_hashed_to_its_end(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(hashing, "CHUNK_BYTES", 4)
    root = write(tmp_path / "ds", {"a": b"0123456"})
    entries = scan_files(root)
    (root / "a").write_bytes(b"0123456789abcdef")

    assert hash_files(root, entries) == [hashlib.sha256(b"0123456789abcdef").hexdigest()]


def links_dataset(tmp_path: Path) -> Path:
    """A dataset with every kind of link: to a file and a folder inside, out, nowhere."""
    root = write(tmp_path / "ds", {"a/x.png": b"12345", "b.png": b"abc", ".cache/h.png": b"hh"})
    write(tmp_path, {"outside/o.png": b"outside"})
    (root / "to-file.png").symlink_to("a/x.png")
    (root / "to-hidden.png").symlink_to(".cache/h.png")
    (root / "to-folder").symlink_to("a")
    (root / "a" / "loop").symlink_to("..")
    (root / "out.png").symlink_to("../outside/o.png")
    (root / "abs-out.png").symlink_to(tmp_path / "outside" / "o.png")
    (root / "dangling.png").symlink_to("missing.png")
    (root / ".hidden-link").symlink_to("b.png")
    return root


def test_links_are_in_the_fingerprint_with_their_targets(tmp_path: Path) -> None:
    root = links_dataset(tmp_path)
    lines = [
        "a/loop\t->..",
        "a/x.png\t5",
        f"abs-out.png\t->{tmp_path / 'outside' / 'o.png'}",
        "b.png\t3",
        "dangling.png\t->missing.png",
        "out.png\t->../outside/o.png",
        "to-file.png\t->a/x.png",
        "to-folder\t->a",
        "to-hidden.png\t->.cache/h.png",
    ]
    expected = hashlib.sha256("".join(f"{line}\n" for line in lines).encode()).hexdigest()

    manifest = compute_manifest(root)

    assert manifest == Manifest(4, 8, f"sha256:{expected}")  # 2 files, 2 links to files in it
    assert manifest == template_manifest(root)
    assert links_outside(scan_files(root)) == ("abs-out.png", "out.png")
    assert template_module().links_outside(root) == ["abs-out.png", "out.png"]


def test_the_files_of_a_dataset_are_the_same_for_dlscaffold_and_the_project(
    tmp_path: Path,
) -> None:
    root = links_dataset(tmp_path)

    ours = [(e.relpath) for e in scan_files(root) if e.is_file]
    theirs = template_module().list_files(root)

    assert ours == ["a/x.png", "b.png", "to-file.png", "to-hidden.png"]
    assert [relpath for relpath, _ in theirs] == ours
    assert dict(theirs)["to-file.png"] == 5  # the size of the file it leads to


def test_a_retargeted_or_new_link_changes_the_fingerprint(tmp_path: Path) -> None:
    root = links_dataset(tmp_path)
    before = compute_manifest(root)
    (root / "to-file.png").unlink()
    (root / "to-file.png").symlink_to("b.png")

    retargeted = compute_manifest(root)
    (root / "new.png").symlink_to("b.png")

    assert retargeted.fingerprint != before.fingerprint
    assert compute_manifest(root).fingerprint != retargeted.fingerprint
    assert compute_manifest(root) == template_manifest(root)
