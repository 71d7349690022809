"""Key-wise merge of YAML configs, so that edits to adjacent keys do not conflict.

A line-based merge conflicts when the template changes `lr` and the user `batch_size` on the
next line: their hunks touch. Here each conflicting hunk is re-merged line by line with no
context, and the result is accepted only when it parses to exactly what a key-by-key merge of
the three parsed documents gives. Text, comments and key order stay the user's; anything the
check cannot prove keeps git's conflict markers.
"""

from __future__ import annotations

import difflib
from typing import Any

import yaml

from dlscaffold._update.textmerge import LABELS, merge_text

YAML_SUFFIXES = (".yaml", ".yml")
_MISSING: Any = object()
_OURS, _BASE, _SEP, _THEIRS = (
    f"<<<<<<< {LABELS[0]}",
    f"||||||| {LABELS[1]}",
    "=======",
    f">>>>>>> {LABELS[2]}",
)


class _Clash(Exception):
    """Both sides changed the same thing differently."""


def is_yaml(relpath: str) -> bool:
    """Tell whether a path names a YAML file."""
    return relpath.lower().endswith(YAML_SUFFIXES)


def merge_yaml(base: bytes, ours: bytes, theirs: bytes) -> bytes | None:
    """Merge three versions of a YAML file key by key; None when that cannot be proven right."""
    try:
        texts = [content.decode("utf-8") for content in (base, ours, theirs)]
        expected = merge_data(*(yaml.safe_load(text) for text in texts))
    except (UnicodeDecodeError, yaml.YAMLError, _Clash):
        return None
    merged, _ = merge_text(base, ours, theirs, diff3=True)
    lines = _resolve_hunks(merged.decode("utf-8").splitlines(keepends=True))
    if lines is None:
        return None
    result = "".join(lines)
    try:
        if yaml.safe_load(result) != expected:
            return None
    except yaml.YAMLError:
        return None
    return result.encode("utf-8")


def merge_data(base: Any, ours: Any, theirs: Any) -> Any:
    """Three-way merge of parsed YAML: mappings key by key, other values as a whole."""
    if ours == theirs:
        return ours
    if ours == base:
        return theirs
    if theirs == base:
        return ours
    if all(isinstance(value, dict) for value in (base, ours, theirs)):
        merged = {}
        for key in [*ours, *(k for k in theirs if k not in ours)]:
            value = merge_data(
                base.get(key, _MISSING), ours.get(key, _MISSING), theirs.get(key, _MISSING)
            )
            if value is not _MISSING:
                merged[key] = value
        return merged
    raise _Clash


def _resolve_hunks(lines: list[str]) -> list[str] | None:
    """Replace each diff3 conflict hunk by its context-free merge; None if one clashes."""
    out: list[str] = []
    i = 0
    while i < len(lines):
        if lines[i].rstrip("\r\n") != _OURS:
            out.append(lines[i])
            i += 1
            continue
        sections: list[list[str]] = [[], [], []]
        current, i = 0, i + 1
        while i < len(lines) and lines[i].rstrip("\r\n") != _THEIRS:
            marker = lines[i].rstrip("\r\n")
            if marker == _BASE:
                current = 1
            elif marker == _SEP and current == 1:
                current = 2
            else:
                sections[current].append(lines[i])
            i += 1
        merged = _merge_hunk(sections[1], sections[0], sections[2])
        if merged is None:
            return None
        out.extend(merged)
        i += 1
    return out


def _merge_hunk(base: list[str], ours: list[str], theirs: list[str]) -> list[str] | None:
    """Merge one hunk line by line when the two sides edit disjoint lines."""
    edits_ours, edits_theirs = _edits(base, ours), _edits(base, theirs)
    for a in edits_ours:
        for b in edits_theirs:
            if a != b and _clash(a, b):
                return None
    result: list[str] = []
    pos = 0
    for start, end, new_lines in sorted(set(edits_ours) | set(edits_theirs)):
        result.extend(base[pos:start])
        result.extend(new_lines)
        pos = end
    result.extend(base[pos:])
    return result


def _edits(base: list[str], other: list[str]) -> list[tuple[int, int, tuple[str, ...]]]:
    matcher = difflib.SequenceMatcher(None, base, other, autojunk=False)
    return [
        (i1, i2, tuple(other[j1:j2]))
        for tag, i1, i2, j1, j2 in matcher.get_opcodes()
        if tag != "equal"
    ]


def _clash(a: tuple[int, int, tuple[str, ...]], b: tuple[int, int, tuple[str, ...]]) -> bool:
    if a[0] < b[1] and b[0] < a[1]:
        return True  # the two edits replace overlapping lines
    return a[0] == b[0] and (a[0] == a[1]) == (b[0] == b[1])  # same anchor, same sort
