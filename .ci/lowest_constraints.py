"""Print pip constraints that pin each runtime dependency to its declared lower bound.

CI's `lowest` job installs with them (`pip install -c <this output> ".[test]"`), so the lower
bounds in pyproject.toml are versions the suite has passed with, not guesses. A dependency
without a `>=` bound is an error: the job could not say what it tested.

Usage: python .ci/lowest_constraints.py [pyproject.toml] > lowest.txt
"""

from __future__ import annotations

import sys
import tomllib
from pathlib import Path

from packaging.requirements import Requirement


def lowest_pins(pyproject: Path) -> list[str]:
    """Return `name==lower-bound` for each entry of `project.dependencies`."""
    dependencies = tomllib.loads(pyproject.read_text())["project"]["dependencies"]
    pins = []
    for line in dependencies:
        requirement = Requirement(line)
        lower = [spec.version for spec in requirement.specifier if spec.operator == ">="]
        if len(lower) != 1:
            raise SystemExit(f"{requirement.name}: needs exactly one '>=' bound, got {line!r}")
        pins.append(f"{requirement.name}=={lower[0]}")
    return pins


if __name__ == "__main__":
    default = Path(__file__).resolve().parents[1] / "pyproject.toml"
    print("\n".join(lowest_pins(Path(sys.argv[1]) if len(sys.argv) > 1 else default)))
