"""The shipped bundle must hold exactly the template in templates/default as its newest version."""

from __future__ import annotations

from pathlib import Path

import pytest

from dlscaffold._template_history import record_version
from dlscaffold._templates import bundle_refs, install_default_template, shipped_bundle
from tests.helpers import git

REPO_ROOT = Path(__file__).resolve().parents[1]
TEMPLATE_DIR = REPO_ROOT / "templates" / "default"


def files_of(root: Path) -> dict[str, bytes]:
    ignored = {"__pycache__", ".git", ".ruff_cache", ".pytest_cache"}
    return {
        p.relative_to(root).as_posix(): (p.read_bytes() if not p.is_symlink() else b"")
        for p in root.rglob("*")
        if (p.is_file() or p.is_symlink())
        and not ignored & set(p.relative_to(root).parts)
        and p.suffix != ".pyc"
    }


@pytest.mark.skipif(not TEMPLATE_DIR.is_dir(), reason="needs the source checkout")
def test_shipped_bundle_matches_templates_folder(tmp_path: Path) -> None:
    clone = tmp_path / "clone"
    git("clone", "--quiet", str(shipped_bundle()), str(clone), cwd=tmp_path)

    assert files_of(clone) == files_of(TEMPLATE_DIR), (
        "templates/default changed: run `python -m dlscaffold._template_history` and commit "
        "the updated src/dlscaffold/templates/default.bundle"
    )
    newest = git("describe", "--tags", "--exact-match", "HEAD", cwd=clone).strip()
    assert newest.startswith("v")


def test_record_version_appends_tagged_versions(tmp_path: Path) -> None:
    template = tmp_path / "tpl"
    template.mkdir()
    (template / "copier.yml").write_text("a: 1\n")
    bundle = tmp_path / "t.bundle"

    assert record_version(template, bundle, version="1.0.0") == "v1.0.0"
    assert record_version(template, bundle, version="1.0.0") is None  # unchanged
    (template / "copier.yml").write_text("a: 2\n")
    assert record_version(template, bundle, version="1.0.0") == "v1.0.0.post1"
    assert record_version(template, bundle, version="1.1.0") is None
    (template / "b.txt").write_text("b\n")
    assert record_version(template, bundle, version="1.1.0") == "v1.1.0"

    tags = {ref.split()[1] for ref in bundle_refs(bundle)}
    assert {"refs/tags/v1.0.0", "refs/tags/v1.0.0.post1", "refs/tags/v1.1.0"} <= tags


def test_install_never_replaces_a_newer_user_bundle(tmp_path: Path, monkeypatch) -> None:
    template = tmp_path / "tpl"
    template.mkdir()
    (template / "copier.yml").write_text("a: 1\n")
    old, new = tmp_path / "old.bundle", tmp_path / "new.bundle"
    record_version(template, old, version="1.0.0")
    new.write_bytes(old.read_bytes())
    (template / "copier.yml").write_text("a: 2\n")
    record_version(template, new, version="2.0.0")

    monkeypatch.setattr("dlscaffold._templates.shipped_bundle", lambda: new)
    installed = Path(install_default_template()).expanduser()
    assert installed.read_bytes() == new.read_bytes()

    monkeypatch.setattr("dlscaffold._templates.shipped_bundle", lambda: old)
    install_default_template()
    assert installed.read_bytes() == new.read_bytes(), "an older dlscaffold took versions away"
