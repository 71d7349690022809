"""Parsing of repeated `KEY=VALUE` options."""

from __future__ import annotations

from dlscaffold.errors import UserError


def parse_pairs(values: list[str] | None, *, option: str) -> dict[str, str]:
    """Turn `["a=1", "b=2"]` into `{"a": "1", "b": "2"}`; a malformed item is a user error."""
    pairs: dict[str, str] = {}
    for item in values or []:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise UserError(f"{option} expects KEY=VALUE, got '{item}'.")
        pairs[key.strip()] = value
    return pairs
