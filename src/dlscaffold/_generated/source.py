"""Template sources recorded in projects: resolving them and listing their versions."""

from __future__ import annotations

from pathlib import Path

from packaging.version import InvalidVersion, Version

from dlscaffold._git import git
from dlscaffold._templates import install_default_template, is_default_template
from dlscaffold.errors import TemplateNotFoundError


def is_remote(src: str) -> bool:
    """Tell whether `src` is a URL rather than a local path."""
    return "://" in src or src.startswith("git@")


def resolve_source(recorded: str, project: Path) -> str:
    """Return a source copier can open from any working directory.

    A leading `~` is kept (copier expands it, and the answers file stays portable); a relative
    path (copier issue #335) is taken relative to the project. The default template's
    per-user bundle is refreshed from the installed dlscaffold first.
    """
    if is_default_template(recorded):
        return install_default_template()
    if is_remote(recorded) or recorded.startswith("~") or Path(recorded).is_absolute():
        return recorded
    return str((project / recorded).resolve())


def local_path(src: str) -> Path | None:
    """Return the local file or folder behind `src`, or None for a URL."""
    return None if is_remote(src) else Path(src).expanduser()


def version_key(tag: str) -> Version | None:
    """Parse a tag as copier does (PEP 440, an optional leading 'v'); None if it is no version."""
    try:
        return Version(tag)
    except InvalidVersion:
        return None


def list_versions(src: str) -> list[str]:
    """Return the template's version tags, oldest first, without cloning it."""
    path = local_path(src)
    if path is not None and not path.exists():
        raise TemplateNotFoundError(f"Template '{src}' does not exist on this machine.")
    cwd = path.parent if path is not None else Path.cwd()
    out = git("ls-remote", "--tags", str(path or src), cwd=cwd, check=False)
    tags = {
        line.split("\t", 1)[1].removeprefix("refs/tags/").removesuffix("^{}")
        for line in out.splitlines()
        if "\t" in line
    }
    versioned = [(key, tag) for tag in tags if (key := version_key(tag)) is not None]
    return [tag for _, tag in sorted(versioned)]


def is_older(recorded: str, target: str) -> bool:
    """Tell whether version `target` is older than `recorded` (unparseable: not older)."""
    old, new = version_key(recorded), version_key(target)
    return old is not None and new is not None and new < old
