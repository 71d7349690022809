"""Config files parse, and hold no absolute paths (they break on every other machine)."""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from dlscaffold._check.findings import Finding

CONFIG_DIRS = ("configs",)
# libyaml's loader when PyYAML has it: the same safe subset, several times faster.
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_ABSOLUTE = re.compile(r"^(/[^/\s]|~/|[A-Za-z]:[\\/])")


def config_files(project: Path) -> list[Path]:
    """Return the YAML, JSON and TOML files under the config folders."""
    found = []
    for folder in CONFIG_DIRS:
        root = project / folder
        if root.is_dir():
            found += [
                p
                for p in root.rglob("*")
                if p.suffix in (".yaml", ".yml", ".json", ".toml") and p.is_file()
            ]
    return sorted(found)


def check_configs(project: Path) -> list[Finding]:
    """Parse each config file; report parse errors and absolute paths in values."""
    findings = []
    for path in config_files(project):
        rel = path.relative_to(project).as_posix()
        try:
            documents = _parse(path)
        except (ValueError, yaml.YAMLError, UnicodeDecodeError) as error:
            first = str(error).strip().splitlines()[0] if str(error).strip() else "parse error"
            findings.append(
                Finding(
                    "config-invalid",
                    "configs",
                    f"{rel} does not parse: {first}",
                    "Fix the syntax; `python -c \"import yaml; yaml.safe_load(open('FILE'))\"` "
                    "shows the position.",
                    rel,
                )
            )
            continue
        for key, value in _absolute_paths(documents[0] if len(documents) == 1 else documents):
            findings.append(
                Finding(
                    "config-absolute-path",
                    "configs",
                    f"{rel}: {key} is an absolute path ({value}).",
                    "Use a path relative to the project (e.g. data/<name>, linked with "
                    "`dlscaffold data link`).",
                    rel,
                )
            )
    return findings


def _parse(path: Path) -> list[Any]:
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".json":
        return [json.loads(text)]
    if path.suffix == ".toml":
        return [tomllib.loads(text)]
    return list(yaml.load_all(text, Loader=_SAFE_LOADER))


def _absolute_paths(value: Any, key: str = "") -> Iterator[tuple[str, str]]:
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _absolute_paths(v, f"{key}.{k}" if key else str(k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _absolute_paths(v, f"{key}[{i}]")
    elif isinstance(value, str) and _ABSOLUTE.match(value) and "://" not in value:
        yield key or "(document)", value
