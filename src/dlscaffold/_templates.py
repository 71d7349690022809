"""Where the default template comes from, and how projects keep finding it.

Copier versions a template only when its source is a git repository root or a git bundle,
and `copier update` renders the project's *old* template version from the source recorded
in the project's answers file. dlscaffold therefore ships the whole version history of its
default template as a git bundle inside the wheel, and installs it at one stable per-user
location. Projects record that location with a literal `~`, which copier expands at run
time, so a project made on one machine updates on any other where dlscaffold (or just the
bundle) is installed, with dlscaffold or with plain copier. See docs/templates.md.
"""

from __future__ import annotations

import tempfile
import warnings
from pathlib import Path

from dlscaffold._fs import atomic_write_bytes
from dlscaffold._git import git
from dlscaffold.errors import DlscaffoldWarning, GitError, TemplateNotFoundError

DEFAULT_TEMPLATE_SRC = "~/.local/share/dlscaffold/templates/default.bundle"


def shipped_bundle() -> Path:
    """Return the bundle of the default template that ships inside this installation."""
    return Path(__file__).parent / "templates" / "default.bundle"


def is_default_template(src: str | None) -> bool:
    """Tell whether `src` (as recorded in an answers file or given by a user) is ours."""
    return src is None or src == DEFAULT_TEMPLATE_SRC


def bundle_refs(bundle: Path) -> set[str]:
    """Return the `<sha> <ref>` lines a bundle advertises (its tags and branches)."""
    out = git("bundle", "list-heads", "--", str(bundle), cwd=bundle.parent)
    return {line.strip() for line in out.splitlines() if line.strip()}


def install_default_template() -> str:
    """Make the per-user copy of the default template current and return its source string.

    The per-user bundle is replaced only when the shipped one holds every version it holds:
    an older dlscaffold in another environment must never take versions away from projects
    made by a newer one. A damaged per-user bundle (truncated, overwritten) is repaired from
    the shipped one with a `DlscaffoldWarning` saying so; a damaged shipped bundle never
    replaces a good per-user one.
    """
    shipped = shipped_bundle()
    target = Path(DEFAULT_TEMPLATE_SRC).expanduser()
    if target.is_file() and not _same_bytes(shipped, target):
        if not is_intact(target):
            _install(shipped, target)
            warnings.warn(
                f"The template bundle {target} was damaged; replaced it with the one shipped "
                "with this dlscaffold.",
                DlscaffoldWarning,
                stacklevel=2,
            )
        elif not is_intact(shipped):
            warnings.warn(
                f"The template bundle shipped with dlscaffold ({shipped}) is damaged; kept the "
                f"good one at {target}. Reinstall dlscaffold.",
                DlscaffoldWarning,
                stacklevel=2,
            )
        elif bundle_refs(shipped) >= bundle_refs(target):
            atomic_write_bytes(target, shipped.read_bytes())
    elif not target.is_file():
        _install(shipped, target)
    return DEFAULT_TEMPLATE_SRC


def is_intact(bundle: Path) -> bool:
    """Tell whether `bundle` unpacks completely (`git bundle verify` misses truncation)."""
    with tempfile.TemporaryDirectory(prefix="dlscaffold-bundle-") as tmp:
        try:
            git("init", "--quiet", "--bare", tmp, cwd=Path(tmp))
            git("bundle", "unbundle", str(bundle.absolute()), cwd=Path(tmp))
        except GitError:
            return False
    return True


def _install(shipped: Path, target: Path) -> None:
    if not is_intact(shipped):
        raise TemplateNotFoundError(
            f"The template bundle shipped with dlscaffold ({shipped}) is damaged; reinstall "
            "dlscaffold."
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(target, shipped.read_bytes())


def _same_bytes(a: Path, b: Path) -> bool:
    if a.stat().st_size != b.stat().st_size:
        return False
    return a.read_bytes() == b.read_bytes()
