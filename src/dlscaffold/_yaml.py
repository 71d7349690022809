"""Safe YAML loading through libyaml when PyYAML has it: the same data, several times faster.

`yaml.safe_load` parses in pure Python; `CSafeLoader` pairs libyaml's parser with the same
safe constructor and resolver, so documents load to the same objects. Without libyaml
(a PyYAML built without it), the pure-Python loader is used.
"""

from __future__ import annotations

from typing import Any

import yaml

SAFE_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def safe_load(text: str) -> Any:
    """Load one YAML document with only YAML's plain types (as `yaml.safe_load`)."""
    return yaml.load(text, Loader=SAFE_LOADER)  # noqa: S506 - a safe loader
