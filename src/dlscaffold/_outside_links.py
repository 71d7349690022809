"""Symlinks in a rendered template that point outside the project.

A template with copier's `_preserve_symlinks` writes its symlinks as they are. One pointing
outside the project (`/home/me/.ssh`, `../../elsewhere`) makes every later write through
it, by the user, a tool or the next update, land outside the project. `new` and `update`
inspect the rendered tree before writing anything, refuse such links without `--trust` and
list them with it.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from dlscaffold._generated.entries import list_tree
from dlscaffold.errors import UntrustedTemplateError


def links_leaving(root: Path, relpaths: Iterable[str] | None = None) -> list[str]:
    """Return `path -> target` for each symlink under `root` that resolves outside it.

    Only `relpaths` are looked at when given. A link is outside when its target is absolute
    or when following it (and any link it leads to) leaves `root`.
    """
    top = os.path.realpath(root)
    found = []
    for rel in sorted(list_tree(root) if relpaths is None else relpaths):
        path = root / rel
        if not path.is_symlink():
            continue
        target = path.readlink()
        resolved = os.path.realpath(path)
        if target.is_absolute() or os.path.commonpath([top, resolved]) != top:
            found.append(f"{rel} -> {target}")
    return found


def check_links(
    root: Path, *, src: str, trusted: bool, relpaths: Iterable[str] | None = None
) -> list[str]:
    """Refuse links leaving `root` unless `trusted`; return one warning line per such link."""
    found = links_leaving(root, relpaths)
    if found and not trusted:
        raise UntrustedTemplateError(
            f"Template '{src}' writes symlinks pointing outside the project: "
            f"{', '.join(found)}; review them, then pass --trust to allow them (nothing was "
            "changed)."
        )
    return [f"Symlink {link} points outside the project (allowed by --trust)." for link in found]
