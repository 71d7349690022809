"""The documentation stays true: the CLI reference is generated from the CLI itself, and
every file the docs name exists."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import pytest
from packaging.version import Version

DOCS = Path(__file__).resolve().parents[1] / "docs"


# docs/cli.md is generated with typer >= 0.29; older releases (the `lowest` CI job installs
# typer's lower bound) format the same CLI differently, e.g. `{dest}` for `DEST`.
CLI_DOCS_TYPER = "0.29"


@pytest.mark.skipif(not DOCS.is_dir(), reason="needs the source checkout")
@pytest.mark.skipif(
    Version(version("typer")) < Version(CLI_DOCS_TYPER),
    reason=f"docs/cli.md is generated with typer >= {CLI_DOCS_TYPER}",
)
def test_cli_reference_is_current(tmp_path: Path) -> None:
    out = tmp_path / "cli.md"
    subprocess.run(
        [sys.executable, "-m", "typer", "dlscaffold._cli", "utils", "docs",
         "--name", "dlscaffold", "--title", "CLI reference", "--output", str(out)],
        check=True, capture_output=True,
    )  # fmt: skip
    assert out.read_text() == (DOCS / "cli.md").read_text(), (
        "docs/cli.md is stale: regenerate it with `typer dlscaffold._cli utils docs --name "
        "dlscaffold --title 'CLI reference' --output docs/cli.md`"
    )


# --- Every file the documentation names exists -------------------------------------------

ROOT = DOCS.parent
DOC_FILES = sorted(
    [
        *DOCS.glob("*.md"),
        *(ROOT / name for name in ("README.md", "CONTRIBUTING.md", "CHANGELOG.md")),
    ]
)
# Paths of this repository as the docs write them (`src/dlscaffold/...`, `templates/...`).
# Paths inside a generated project (configs/, src/<package>/, data/) are not matched.
REPO_PATH = re.compile(
    r"(?<![\w./<>{}-])((?:src/dlscaffold|templates|tests|docs|benchmarks|\.ci|\.github)"
    r"(?:(?:/[\w.{}<>*-]+)+/?|/))"
)
LINK = re.compile(r"\]\(([^)\s]+)\)")


def _exists(pattern: str) -> bool:
    """A path, or a pattern with `*` or `<name>` placeholders, that names a file in the repo."""
    glob = re.sub(r"<[^>]+>", "*", pattern.rstrip("/"))
    return any(ROOT.glob(glob)) if "*" in glob else (ROOT / glob).exists()


def referenced_paths(text: str, folder: Path) -> set[str]:
    """Repo-relative paths named in `text`, and the targets of its relative links from `folder`."""
    found = set(REPO_PATH.findall(text))
    for target in LINK.findall(text):
        path = target.split("#", 1)[0]
        if path and not re.match(r"^[a-z]+:", path):
            resolved = os.path.normpath(folder.relative_to(ROOT) / path)
            found.add(Path(resolved).as_posix())
    return found


@pytest.mark.skipif(not DOCS.is_dir(), reason="needs the source checkout")
@pytest.mark.parametrize("doc", DOC_FILES, ids=lambda path: path.name)
def test_docs_name_only_files_that_exist(doc: Path) -> None:
    found = referenced_paths(doc.read_text(), doc.parent)
    missing = sorted(path for path in found if not _exists(path))
    assert not missing, f"{doc.relative_to(ROOT)} names files that do not exist: {missing}"


def test_reference_scan_finds_paths_and_links() -> None:
    text = (
        "Run `python benchmarks/run.py`; see [the API](api.md#create_project), "
        "[copier](https://copier.readthedocs.io), [home](../README.md) and `src/<package>/`.\n"
        "Edit templates/default/copier.yml or `tests/test_nope.py`.\n"
    )
    found = referenced_paths(text, DOCS)

    assert found == {
        "benchmarks/run.py", "docs/api.md", "README.md", "templates/default/copier.yml",
        "tests/test_nope.py",
    }  # fmt: skip
    assert not _exists("tests/test_nope.py")
    assert _exists("benchmarks/results/<name>.json") and _exists("templates/default/")
