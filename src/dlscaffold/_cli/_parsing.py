"""Parsing of repeated `KEY=VALUE` options."""

from __future__ import annotations

from dlscaffold.errors import UserError


def parse_pairs(
    values: list[str] | None, *, option: str, metavar: str = "KEY=VALUE"
) -> dict[str, str]:
    """Turn `["a=1", "b=2"]` into `{"a": "1", "b": "2"}`.

    A malformed item, or a key given twice (which would silently drop one), is a user error.
    """
    pairs: dict[str, str] = {}
    for item in values or []:
        key, sep, value = item.partition("=")
        key = key.strip()
        if not sep or not key:
            raise UserError(f"{option} expects {metavar}, got '{item}'.")
        if key in pairs:
            raise UserError(f"{option} names '{key}' twice; give each once.")
        pairs[key] = value
    return pairs
