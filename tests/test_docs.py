"""The documentation stays true: the CLI reference is generated from the CLI itself."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[1] / "docs"


@pytest.mark.skipif(not DOCS.is_dir(), reason="needs the source checkout")
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
