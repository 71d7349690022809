"""Import direction between dlscaffold's packages: `_check` and `_update` share `_generated`
and never import each other, so either can change without the other's tests moving."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "dlscaffold"


def imported_modules(package: str) -> set[str]:
    """Every dlscaffold module named by an import statement anywhere in `package`."""
    names: set[str] = set()
    for path in (SRC / package).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.ImportFrom) and node.module:
                names.add(node.module)
                names.update(f"{node.module}.{alias.name}" for alias in node.names)
            elif isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
    return names


@pytest.mark.parametrize(
    ("package", "forbidden"),
    [("_check", "dlscaffold._update"), ("_update", "dlscaffold._check"),
     ("_generated", "dlscaffold._update"), ("_generated", "dlscaffold._check")],
)  # fmt: skip
def test_package_does_not_import(package: str, forbidden: str) -> None:
    offending = sorted(
        name for name in imported_modules(package)
        if name == forbidden or name.startswith(forbidden + ".")
    )  # fmt: skip
    assert offending == [], f"{package} imports {offending}"


def test_the_scan_sees_imports() -> None:
    # The scan must find the shared package from both sides, or the tests above prove nothing.
    assert any(n.startswith("dlscaffold._generated") for n in imported_modules("_check"))
    assert any(n.startswith("dlscaffold._generated") for n in imported_modules("_update"))
