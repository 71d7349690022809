"""Digests of a pristine render of a template version, cached per user.

Rendering costs most of a check (copier import and a clone); the digests of one
(template, version, answers) triple never change, so they are cached under
`~/.cache/dlscaffold/pristine/`. `dlscaffold update` stores the digests of the version it
has just rendered, so the first check after an update is fast too. Without cached digests,
the copier-free renderer (`light_render`) computes them for templates it can render as
copier does; copier renders the others.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dlscaffold import __version__
from dlscaffold._fs import atomic_write_text
from dlscaffold._generated.answers import ANSWERS_FILE
from dlscaffold._generated.entries import Entry, list_tree, read_entry

if TYPE_CHECKING:
    from dlscaffold._engine import Render


def digest(entry: Entry) -> str:
    """Return a short, comparable description of a file or symlink."""
    kind = "link" if entry.is_link else "exec" if entry.executable else "file"
    return f"{kind}:{hashlib.sha256(entry.data).hexdigest()}"


def tree_digests(
    root: Path, *, skip: Callable[[str], bool], answers_relpath: str
) -> dict[str, str]:
    """Digest every rendered path that drift checks compare (skip-if-exists and answers out)."""
    result = {}
    for rel in sorted(list_tree(root)):
        entry = read_entry(root / rel)
        if entry is not None and rel != answers_relpath and not skip(rel):
            result[rel] = digest(entry)
    return result


def cache_key(src: str, commit: str, answers: Mapping[str, Any], folder: str | None = None) -> str:
    """Key a render by template source, version, answers and the tools that render it.

    `folder` is the project's folder name, which templates can read (`_folder_name`).
    """
    parts: list[Any] = [src, commit, dict(answers), __version__, copier_version()]
    if folder is not None:
        parts.append(folder)
    payload = json.dumps(parts, sort_keys=True, default=str)
    return hashlib.sha256(payload.encode()).hexdigest()


def copier_version() -> str:
    """Return copier's installed version, read from its dist-info folder's name when possible.

    `importlib.metadata.version` scans every distribution on sys.path and costs a warm
    `dlscaffold check` tens of milliseconds; the folder beside the package says the same.
    """
    from importlib.util import find_spec

    spec = find_spec("copier")
    if spec is not None and spec.origin:
        found = list(Path(spec.origin).parent.parent.glob("copier-*.dist-info"))
        if len(found) == 1:
            return found[0].name.removeprefix("copier-").removesuffix(".dist-info")
    from importlib.metadata import version

    return version("copier")


def _cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "dlscaffold" / "pristine"


def load(key: str) -> dict[str, str] | None:
    """Return cached digests, or None."""
    try:
        data = json.loads((_cache_dir() / f"{key}.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def store(key: str, digests: Mapping[str, str]) -> None:
    """Cache digests; a cache that cannot be written is silently skipped."""
    folder = _cache_dir()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        atomic_write_text(folder / f"{key}.json", json.dumps(dict(digests), sort_keys=True))
    except OSError:
        pass


def remember_render(render: Render, root: Path, answers: Mapping[str, Any]) -> None:
    """Cache the digests of a render `dlscaffold new` has just made.

    Called before any task or dataset link touched the render, so the project's first check
    needs no render of its own.
    """
    commit, src = answers.get("_commit"), answers.get("_src_path")
    if not commit or not src or render.commit is None:
        return  # an unversioned template: check cannot compare against it anyway
    data = {k: v for k, v in answers.items() if isinstance(k, str) and not k.startswith("_")}
    relpath = str(getattr(render.template, "answers_relpath", ANSWERS_FILE))
    digests = tree_digests(
        root, skip=lambda rel: render.match_skip(Path(rel)), answers_relpath=relpath
    )
    folder = render.project.name if render.project is not None else None
    store(cache_key(str(src), str(commit), data, folder), digests)


def pristine_digests(
    *,
    src: str,
    commit: str,
    answers: Mapping[str, Any],
    answers_relpath: str,
    trust: bool,
    project: Path | None = None,
) -> dict[str, str]:
    """Return the digests of a pristine render of `src` at `commit`, from cache if possible.

    `project` is the folder the render stands for (templates may read its name).
    """
    key = cache_key(src, commit, answers, project.name if project is not None else None)
    cached = load(key)
    if cached is not None:
        return cached
    from dlscaffold._generated.light_render import light_digests

    light = light_digests(
        src=src,
        commit=commit,
        answers=answers,
        answers_relpath=answers_relpath,
        folder=project.name if project is not None else "pristine",
        copier_version=copier_version(),
    )
    if light is not None:
        store(key, light)
        return light
    return copier_digests(
        key, src=src, commit=commit, answers=answers, answers_relpath=answers_relpath,
        trust=trust, project=project,
    )  # fmt: skip


def copier_digests(
    key: str | None,
    *,
    src: str,
    commit: str,
    answers: Mapping[str, Any],
    answers_relpath: str,
    trust: bool,
    project: Path | None = None,
) -> dict[str, str]:
    """Render with copier and return (and cache under `key`, if given) the digests."""
    from dlscaffold._engine import rendered

    with tempfile.TemporaryDirectory(prefix="dlscaffold-check-") as tmp:
        with rendered(
            src=src,
            dst=Path(tmp, "pristine"),
            vcs_ref=commit,
            data=answers,
            defaults=True,
            trust=trust,
            project=project,
        ) as render:
            digests = tree_digests(
                render.path,
                skip=lambda rel: render.match_skip(Path(rel)),
                answers_relpath=answers_relpath,
            )
    if key is not None:
        store(key, digests)
    return digests
