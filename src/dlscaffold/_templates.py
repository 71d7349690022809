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

from pathlib import Path

from dlscaffold._fs import atomic_write_bytes
from dlscaffold._git import git

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
    made by a newer one.
    """
    shipped = shipped_bundle()
    target = Path(DEFAULT_TEMPLATE_SRC).expanduser()
    if target.is_file():
        if _same_bytes(shipped, target) or not bundle_refs(shipped) >= bundle_refs(target):
            return DEFAULT_TEMPLATE_SRC
    target.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(target, shipped.read_bytes())
    return DEFAULT_TEMPLATE_SRC


def _same_bytes(a: Path, b: Path) -> bool:
    if a.stat().st_size != b.stat().st_size:
        return False
    return a.read_bytes() == b.read_bytes()
